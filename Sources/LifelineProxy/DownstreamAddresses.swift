import NIOCore

/// The addresses a downstream connection is known by once its PROXY protocol header is read — Envoy's connection
/// info provider after `proxy_protocol` restored them: the client behind the load balancer as the remote address,
/// the address it connected to there as the local one, and the header itself (its TLVs).
///
/// It stays in the pipeline, passing everything through, so every reader of a connection's addresses (filter chain
/// choice, the connection table, access logs, `x-forwarded-for`) finds them through `Channel.downstreamRemoteAddress`
/// and `downstreamLocalAddress`, and a connection without one reads its socket's.
final class DownstreamAddresses: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any

    let remote: SocketAddress
    let local: SocketAddress
    let header: ProxyProtocolHeader

    init(remote: SocketAddress, local: SocketAddress, header: ProxyProtocolHeader) {
        self.remote = remote
        self.local = local
        self.header = header
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension DownstreamAddresses: Sendable {}

extension Channel {
    /// The PROXY header's addresses of a downstream connection that had one; nil otherwise. On the event loop.
    var proxyProtocolAddresses: DownstreamAddresses? {
        try? pipeline.syncOperations.handler(type: DownstreamAddresses.self)
    }

    /// The client's address: the PROXY header's source when one was read, else the socket's peer. On the event
    /// loop.
    var downstreamRemoteAddress: SocketAddress? {
        proxyProtocolAddresses?.remote ?? remoteAddress
    }

    /// The address the client connected to: the PROXY header's destination when one was read, else the socket's.
    /// On the event loop.
    var downstreamLocalAddress: SocketAddress? {
        proxyProtocolAddresses?.local ?? localAddress
    }
}
