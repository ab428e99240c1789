import LifelinePlan
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// What one cluster's HTTP pools on every event loop share: Envoy's default circuit breakers (counted across loops)
/// and the TLS context whose ALPN names the protocol the pools speak.
final class HTTPUpstreamClusterContext: Sendable {
    /// A resource the circuit breakers limit per cluster.
    enum Resource {
        /// `max_connections`: open or opening connections.
        case connection
        /// `max_pending_requests`: exchanges waiting for a connection or a stream.
        case pendingRequest
        /// `max_requests`: exchanges handed out and not yet finished.
        case request
    }

    let cluster: UpstreamCluster
    /// The cluster's TLS context with ALPN `h2` (HTTP/2) or `http/1.1` when its `alpn_protocols` are silent; nil
    /// without TLS.
    let tls: NIOSSLContext?
    let logger: Logger
    let maxConnections: Int
    let maxPendingRequests: Int
    let maxRequests: Int
    private let connections = Atomic<Int>(0)
    private let pendingRequests = Atomic<Int>(0)
    private let requests = Atomic<Int>(0)

    init(
        cluster: UpstreamCluster,
        logger: Logger,
        maxConnections: Int = UpstreamHttpPlan.defaultMaxConnections,
        maxPendingRequests: Int = UpstreamHttpPlan.defaultMaxPendingRequests,
        maxRequests: Int = UpstreamHttpPlan.defaultMaxRequests
    ) {
        self.cluster = cluster
        self.logger = logger
        self.maxConnections = maxConnections
        self.maxPendingRequests = maxPendingRequests
        self.maxRequests = maxRequests
        if var tlsPlan = cluster.plan.tls {
            if tlsPlan.common.alpnProtocols.isEmpty {
                tlsPlan.common.alpnProtocols = cluster.plan.http.http2 == nil ? ["http/1.1"] : ["h2"]
            }
            // The same plan already made the cluster's own context, so only the ALPN list differs; should it fail
            // anyway, the cluster's context still carries the connection.
            tls = (try? TLSContextFactory.makeClientContext(tlsPlan)) ?? cluster.tls
        } else {
            tls = nil
        }
    }

    /// Takes one unit of `resource`; false (and nothing taken) when the cluster is at its limit.
    func tryAcquire(_ resource: Resource) -> Bool {
        let limit = limit(resource)
        return with(resource) { counter in
            if counter.wrappingAdd(1, ordering: .relaxed).oldValue < limit { return true }
            counter.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
    }

    /// Gives back one unit of `resource` taken by ``tryAcquire(_:)``.
    func release(_ resource: Resource) {
        with(resource) { counter in _ = counter.wrappingSubtract(1, ordering: .relaxed) }
    }

    /// Lets a new request in, taking its request unit; the failure instead when the cluster has no endpoint (`UH`) or
    /// is at its request limit (`UO`, counted `upstream_rq_pending_overflow` as Envoy counts it).
    func admitRequest() -> HTTPUpstreamFailure? {
        guard !cluster.endpoints.isEmpty else { return .noHealthyUpstream }
        guard tryAcquire(.request) else {
            cluster.stats.increment(.upstreamRequestsPendingOverflow)
            return .overflow
        }
        return nil
    }

    /// A request that waited for a connection gives up (the pool closes, or no connection came): its pending and
    /// request units go back, the pending gauge goes down, and `promise` fails with `failure`.
    func abandonWaitingRequest<Value>(_ promise: EventLoopPromise<Value>, failure: HTTPUpstreamFailure) {
        cluster.stats.decrement(.upstreamRequestsPendingActive)
        release(.pendingRequest)
        release(.request)
        promise.fail(failure)
    }

    /// How many units of `resource` are taken now.
    func inUse(_ resource: Resource) -> Int {
        with(resource) { $0.load(ordering: .relaxed) }
    }

    private func limit(_ resource: Resource) -> Int {
        switch resource {
        case .connection: maxConnections
        case .pendingRequest: maxPendingRequests
        case .request: maxRequests
        }
    }

    private func with<R>(_ resource: Resource, _ body: (borrowing Atomic<Int>) -> R) -> R {
        switch resource {
        case .connection: body(connections)
        case .pendingRequest: body(pendingRequests)
        case .request: body(requests)
        }
    }
}
