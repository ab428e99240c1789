import NIOCore

/// What Envoy's listener filters share as the first handlers of an accepted channel: they hold the connection's first
/// bytes (asking for more, since nobody else does without auto-read) until they can decide, under one
/// `listener_filters_timeout` armed once the channel is active; bytes arriving after the decision pass straight on.
/// A filter says what the held bytes mean, what a timeout does, and what becomes of a client that leaves first.
protocol ListenerFilterHandler: ChannelInboundHandler, RemovableChannelHandler where InboundIn == ByteBuffer {
    /// Whether the filter still reads the first bytes (it has not decided).
    var isReading: Bool { get set }
    /// The bytes read so far, replayed to the handlers after it once it decides to go on.
    var held: ByteBuffer? { get set }
    var timer: ListenerFilterTimer { get set }

    /// More bytes are held; decide if they suffice.
    func heldBytesChanged(context: ChannelHandlerContext)
    /// `listener_filters_timeout` passed before the filter decided.
    func timedOut(context: ChannelHandlerContext)
    /// The client ended its input before the filter decided.
    func inputClosedWhileReading(context: ChannelHandlerContext)
    /// The channel closed before the filter decided (already no longer reading).
    func closedWhileReading()
}

extension ListenerFilterHandler {
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard isReading else {
            context.fireChannelRead(data)
            return
        }
        var buffer = unwrapInboundIn(data)
        if held == nil {
            held = buffer
        } else {
            held!.writeBuffer(&buffer)
        }
        heldBytesChanged(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard isReading else {
            context.fireChannelReadComplete()
            return
        }
        // Without auto-read nobody else asks for the rest of what the filter needs.
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if isReading, let event = event as? ChannelEvent, event == .inputClosed {
            inputClosedWhileReading(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if isReading {
            isReading = false
            timer.cancel()
            closedWhileReading()
        }
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard isReading else { return }
        timer.arm(context: context) { [self] in
            guard isReading else { return }
            timedOut(context: context)
        }
    }
}
