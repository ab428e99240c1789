import NIOCore

/// Holds a connection `connection_limit` refused with a `delay`: nothing it sends is read (so nothing reaches an
/// upstream, and a client that keeps sending fills its own window), and it is closed once the delay is over. The
/// delay slows a client that reconnects in a loop, as Envoy's does.
final class ConnectionLimitRefusalHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private let delay: TimeAmount
    private var closing: Scheduled<Void>?

    init(delay: TimeAmount) {
        self.delay = delay
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        closing = context.eventLoop.scheduleTask(in: delay) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closing?.cancel()
        closing = nil
    }

    /// Not passed on: the connection is never read.
    func read(context: ChannelHandlerContext) {}
}

@available(*, unavailable)
extension ConnectionLimitRefusalHandler: Sendable {}
