import NIOCore

/// First in an admin connection's pipeline, on the raw bytes: closes a connection that sits without a request for
/// the idle timeout, or whose request — from its first byte to its response — takes longer than the request
/// timeout, so that a slow or silent client cannot hold one of the admin endpoint's few connections for ever.
final class AdminConnectionTimer: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent outbound by ``AdminHTTPHandler`` once a response is written whole: the connection is idle again.
    struct ResponseSent {}

    private let idleTimeout: TimeAmount
    private let requestTimeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var inRequest = false

    init(idleTimeout: Duration, requestTimeout: Duration) {
        self.idleTimeout = TimeAmount(idleTimeout)
        self.requestTimeout = TimeAmount(requestTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(idleTimeout, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(idleTimeout, context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !inRequest {
            inRequest = true
            schedule(requestTimeout, context: context)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is ResponseSent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        inRequest = false
        schedule(idleTimeout, context: context)
        promise?.succeed()
    }

    private func schedule(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension AdminConnectionTimer: Sendable {}
