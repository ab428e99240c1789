import NIOCore

/// Closes a downstream HTTP/2 connection whose client sent FIN. The listener allows half-closure (tcp_proxy passes
/// a FIN on), but an HTTP/2 connection has no half-closed state: a client that stops sending is gone, and
/// `NIOHTTP2Handler` only passes the event on, so without this the socket would sit in CLOSE_WAIT, holding its
/// descriptor and its row in the connection table until the idle timeout. Envoy closes such a connection at once and
/// resets its streams; so does this.
final class HTTP2HalfCloseHandler: ChannelInboundHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension HTTP2HalfCloseHandler: Sendable {}
