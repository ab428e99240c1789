import NIOCore

/// Sits before a connection's codec and reports every read of bytes: for HTTP/2 keepalive anything the client sends
/// counts, stream frames included (which never reach handlers after `NIOHTTP2Handler`); for HTTP/1.1 the first byte
/// of a request starts `request_headers_timeout`.
final class HTTPReceiveObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let onReceive: () -> Void

    init(onReceive: @escaping () -> Void) {
        self.onReceive = onReceive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onReceive()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension HTTPReceiveObserver: Sendable {}
