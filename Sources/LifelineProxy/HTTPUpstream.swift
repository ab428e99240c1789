import LifelinePlan
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix

/// One request/response exchange with an endpoint of a cluster, handed out by an ``HTTPUpstreamPool``.
///
/// `channel` is on the pool's event loop; its pipeline ends in a codec whose outbound parts are
/// `HTTPClientRequestPart` and inbound parts `HTTPClientResponsePart`: an HTTP/1.1 connection of the pool (used by
/// one exchange at a time), or an HTTP/2 stream channel (`HTTP2FramePayloadToHTTP1ClientCodec`). Trailers travel as
/// `.end(HTTPHeaders)` both ways.
///
/// The user adds its handler last, named ``handlerName``, and calls ``finish(reusable:)`` exactly once when the
/// exchange is over, which removes that handler and gives the connection back (or closes it).
struct HTTPUpstreamExchange {
    /// The name of the user's handler, removed by ``finish(reusable:)``.
    static let handlerName = "lifeline.upstream-exchange"

    let channel: any Channel
    /// `.http1_1` or `.http2`.
    let version: HTTPVersion
    /// The endpoint connected to.
    let endpoint: SocketAddress
    /// The exchange runs on a connection that served earlier exchanges: when it fails before any response byte
    /// arrived and before the request was written, trying again on another connection is safe.
    let reused: Bool
    /// Ends the exchange. `reusable`: the request was written whole and the response read to its end, so an
    /// HTTP/1.1 connection may serve the next exchange; false closes it (HTTP/2: resets the stream if still open).
    let finish: (_ reusable: Bool) -> Void
}

/// Why no exchange could be had; each maps to the access log's response flag and a local reply.
enum HTTPUpstreamFailure: Error, Equatable {
    /// The TCP (or TLS) connect to the endpoint failed: `UF`, 503.
    case connectFailure(String)
    /// The connect took longer than the cluster's `connect_timeout`: `UF`, 503.
    case connectTimeout
    /// The cluster has no endpoint to use: `UH`, 503.
    case noHealthyUpstream
    /// The pool is closing (drain or shutdown): `UO`, 503.
    case poolClosed
    /// The cluster's circuit breakers (Envoy's defaults: 1024 connections, 1024 pending, 1024 requests) are full:
    /// `UO`, 503.
    case overflow

    /// Whether an exchange that failed with `error` (caught in the user's handler) was refused by the upstream
    /// before it processed anything — an HTTP/2 stream reset with REFUSED_STREAM, or cut off by a GOAWAY whose last
    /// stream id is below it — so sending the request again (on another stream) is safe.
    static func isRefusedStream(_ error: any Error) -> Bool {
        if let closed = error as? NIOHTTP2Errors.StreamClosed { return closed.errorCode == .refusedStream }
        if let streamError = error as? NIOHTTP2Errors.StreamError { return isRefusedStream(streamError.baseError) }
        return false
    }
}

/// One cluster's HTTP connections on one event loop: HTTP/1.1 keep-alive connections per endpoint, or HTTP/2
/// connections whose streams are multiplexed up to the peer's `max_concurrent_streams`. Used only on `eventLoop`.
protocol HTTPUpstreamPool: AnyObject {
    var eventLoop: any EventLoop { get }
    /// An exchange, on a pooled connection or a new one. Fails with ``HTTPUpstreamFailure``.
    func exchange() -> EventLoopFuture<HTTPUpstreamExchange>
    /// Closes every connection (HTTP/2: GOAWAY first) once its exchanges end; new exchanges fail with `poolClosed`.
    func close() -> EventLoopFuture<Void>
}

/// Every cluster's HTTP pools on every event loop of a gateway, made on first use on each loop: the HTTP/2 pool for
/// a cluster with `http2_protocol_options`, else the HTTP/1.1 one.
final class HTTPUpstreamPools: Sendable {
    private struct State {
        var contexts: [String: HTTPUpstreamClusterContext]
        var pools: [PoolKey: NIOLoopBound<any HTTPUpstreamPool>] = [:]
    }

    /// The clusters' contexts and pools, replaced together by a reload; one lock taken per request.
    private let state: NIOLockedValueBox<State>
    private let connections: ConnectionTables

    /// How long ``closeAll()`` waits for a pool's exchanges to end.
    static let closeGrace: TimeAmount = .seconds(10)

    private struct PoolKey: Hashable {
        let cluster: String
        let loop: ObjectIdentifier
    }

    private let logger: Logger

    init(
        clusters: [String: UpstreamCluster],
        logger: Logger = Logger(label: "lifeline.upstream"),
        connections: ConnectionTables = ConnectionTables()
    ) {
        self.logger = logger
        self.connections = connections
        state = NIOLockedValueBox(
            State(contexts: clusters.mapValues { HTTPUpstreamClusterContext(cluster: $0, logger: logger) })
        )
    }

    /// The pool of `cluster` on `loop`; nil for a cluster that does not exist. Call on `loop`.
    func pool(cluster name: String, on loop: any EventLoop) -> (any HTTPUpstreamPool)? {
        loop.preconditionInEventLoop()
        let key = PoolKey(cluster: name, loop: ObjectIdentifier(loop))
        return state.withLockedValue { state in
            if let bound = state.pools[key] { return bound.value }
            guard let context = state.contexts[name] else { return nil }
            let pool: any HTTPUpstreamPool =
                if context.cluster.plan.http.http2 != nil {
                    HTTP2ConnectionPool(context: context, eventLoop: loop, connections: connections.table(on: loop))
                } else {
                    HTTP1ConnectionPool(context: context, eventLoop: loop, connections: connections.table(on: loop))
                }
            state.pools[key] = NIOLoopBound(pool, eventLoop: loop)
            return pool
        }
    }

    /// The counters of `cluster`; nil for a cluster that does not exist.
    func stats(cluster name: String) -> ProxyStats? {
        state.withLockedValue { $0.contexts[name]?.cluster.stats }
    }

    /// Makes contexts for clusters not known yet, so that listeners a reload starts before it commits find them;
    /// known clusters are left to ``update(clusters:)``.
    func add(clusters: [String: UpstreamCluster]) {
        state.withLockedValue { state in
            for (name, cluster) in clusters where state.contexts[name] == nil {
                state.contexts[name] = HTTPUpstreamClusterContext(cluster: cluster, logger: logger)
            }
        }
    }

    /// A reload's clusters: a cluster whose ``UpstreamCluster`` is the same object keeps its context and pools
    /// (pooled connections are reused); a changed or new one gets new pools on first use; the pools of a changed or
    /// removed cluster close — their idle connections now, the others when their last exchange ends.
    func update(clusters: [String: UpstreamCluster]) {
        let retired = state.withLockedValue { state in
            var contexts: [String: HTTPUpstreamClusterContext] = [:]
            for (name, cluster) in clusters {
                if let kept = state.contexts[name], kept.cluster === cluster {
                    contexts[name] = kept
                } else {
                    contexts[name] = HTTPUpstreamClusterContext(cluster: cluster, logger: logger)
                }
            }
            var retired: [NIOLoopBound<any HTTPUpstreamPool>] = []
            for (key, bound) in state.pools where contexts[key.cluster] !== state.contexts[key.cluster] {
                retired.append(bound)
                state.pools[key] = nil
            }
            state.contexts = contexts
            return retired
        }
        for bound in retired {
            bound.eventLoop.execute { _ = bound.value.close() }
        }
    }

    /// Closes every pool on every loop, waiting for their exchanges to end.
    func closeAll() async {
        let all = state.withLockedValue { Array($0.pools.values) }
        for bound in all {
            // Exchanges end when their downstreams close; one that never does must not hold up shutdown.
            try? await bound.eventLoop.flatSubmit {
                let done = bound.eventLoop.makePromise(of: Void.self)
                bound.value.close().cascade(to: done)
                bound.eventLoop.scheduleTask(in: Self.closeGrace) { done.succeed() }
                return done.futureResult
            }.get()
        }
    }
}
