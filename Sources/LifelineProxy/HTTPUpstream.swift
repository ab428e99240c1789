import LifelinePlan
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
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

/// Every cluster's HTTP pools on every event loop of a gateway, made on first use on each loop.
final class HTTPUpstreamPools: Sendable {
    private let clusters: [String: UpstreamCluster]
    private let pools: NIOLockedValueBox<[PoolKey: NIOLoopBound<any HTTPUpstreamPool>]> = NIOLockedValueBox([:])

    private struct PoolKey: Hashable {
        let cluster: String
        let loop: ObjectIdentifier
    }

    init(clusters: [String: UpstreamCluster]) {
        self.clusters = clusters
    }

    /// The pool of `cluster` on `loop`; nil for a cluster that does not exist. Call on `loop`.
    func pool(cluster name: String, on loop: any EventLoop) -> (any HTTPUpstreamPool)? {
        loop.preconditionInEventLoop()
        guard let cluster = clusters[name] else { return nil }
        let key = PoolKey(cluster: name, loop: ObjectIdentifier(loop))
        return pools.withLockedValue { pools in
            if let bound = pools[key] { return bound.value }
            let pool: any HTTPUpstreamPool = HTTP1ConnectionPerExchangePool(cluster: cluster, eventLoop: loop)
            pools[key] = NIOLoopBound(pool, eventLoop: loop)
            return pool
        }
    }

    /// Closes every pool on every loop.
    func closeAll() async {
        let all = pools.withLockedValue { Array($0.values) }
        for bound in all {
            try? await bound.eventLoop.flatSubmit { bound.value.close() }.get()
        }
    }
}
/// The simplest pool: a new HTTP/1.1 connection for each exchange, closed after it.
final class HTTP1ConnectionPerExchangePool: HTTPUpstreamPool {
    let cluster: UpstreamCluster
    let eventLoop: any EventLoop
    private var closed = false

    init(cluster: UpstreamCluster, eventLoop: any EventLoop) {
        self.cluster = cluster
        self.eventLoop = eventLoop
    }

    func exchange() -> EventLoopFuture<HTTPUpstreamExchange> {
        if closed { return eventLoop.makeFailedFuture(HTTPUpstreamFailure.poolClosed) }
        guard !cluster.endpoints.isEmpty else {
            return eventLoop.makeFailedFuture(HTTPUpstreamFailure.noHealthyUpstream)
        }
        let endpoint = cluster.pickEndpoint()
        let cluster = self.cluster
        var bootstrap = ClientBootstrap(group: eventLoop)
        for (option, value) in cluster.channelOptions {
            bootstrap = bootstrap.channelOption(option, value: value)
        }
        return
            bootstrap
            .connectTimeout(TimeAmount(cluster.plan.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = try cluster.makeTLSHandler() {
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                }
            }
            .connect(to: endpoint)
            .flatMapErrorThrowing { error in
                if case ChannelError.connectTimeout = error { throw HTTPUpstreamFailure.connectTimeout }
                throw HTTPUpstreamFailure.connectFailure("\(error)")
            }
            .map { channel in
                HTTPUpstreamExchange(
                    channel: channel,
                    version: .http1_1,
                    endpoint: endpoint,
                    reused: false,
                    finish: { _ in channel.close(promise: nil) }
                )
            }
    }

    func close() -> EventLoopFuture<Void> {
        closed = true
        return eventLoop.makeSucceededVoidFuture()
    }
}
