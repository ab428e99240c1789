import NIOCore

/// Tells the handlers after it that the channel is active when they were added to one that already was (they missed
/// the event), then leaves.
final class ChannelActiveReplay: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any

    func handlerAdded(context: ChannelHandlerContext) {
        // The handlers after this one are added in the same call; replay once they are all in place.
        context.eventLoop.assumeIsolated().execute {
            if context.channel.isActive {
                context.fireChannelActive()
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        // Already replaying; a real event is not expected here but is passed on.
        context.fireChannelActive()
    }
}

@available(*, unavailable)
extension ChannelActiveReplay: Sendable {}
