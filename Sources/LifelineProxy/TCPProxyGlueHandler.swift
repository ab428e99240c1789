import LifelineSocket
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// One side of a proxied TCP connection, glued to its partner on the other side.
///
/// Bytes read here are written to the partner, a read burst's end flushes the partner, an end of input becomes the
/// partner's output shutdown (after its pending bytes are written), and reads are held while the partner cannot take
/// more, so a slow reader never makes the gateway buffer more than the partner's write high-water mark.
/// Both sides of a pair live on the same event loop.
///
/// What to do when is decided by this side's ``TCPProxyConnectionStateMachine``; the handler feeds it the channel's
/// and the partner's events and carries out the actions it returns.
final class TCPProxyGlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Side: String {
        case downstream
        case upstream
    }

    let side: Side
    /// The other side. The pair and their session reference each other until the session finishes.
    var partner: TCPProxyGlueHandler?
    var session: TCPProxySession?

    private var context: ChannelHandlerContext?
    private var state = TCPProxyConnectionStateMachine()
    /// How this side's channel failed (e.g. reset) rather than ending cleanly; nil while it has not. Kept out of
    /// line because few connections ever fail and every one of them holds this handler.
    private var failure: ChannelFailure?

    init(side: Side) {
        self.side = side
    }

    /// Whether this side's channel is connected (kept here: asking the channel costs more on every read).
    var isActive: Bool { state.isActive }
    /// Whether this side's channel takes more writes, as its last writability change said.
    var isWritable: Bool { state.isWritable }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        state.handlerAdded(
            isActive: context.channel.isActive,
            isWritable: context.channel.isWritable,
            partnerIsActive: partner?.isActive ?? false,
            partnerIsWritable: partner?.isWritable ?? true
        )
        if context.channel.isActive {
            // Added to a connection already open (after a listener filter chose the chain): it starts now, as if
            // it had just become active.
            session?.sideBecameActive(side)
            partner?.partnerConnected(isWritable: state.isWritable)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        state.handlerRemoved()
        partner = nil
    }

    // MARK: Events from this side's channel

    func channelActive(context: ChannelHandlerContext) {
        state.channelActive()
        session?.sideBecameActive(side)
        partner?.partnerConnected(isWritable: state.isWritable)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch state.channelRead(buffer) {
        case .forward:
            session?.recordRead(side, bytes: buffer.readableBytes, forwarded: true)
            partner?.partnerWrite(buffer)
        case .hold:
            session?.recordRead(side, bytes: buffer.readableBytes, forwarded: false)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch state.channelReadComplete() {
        case .flushPartner: partner?.partnerFlush()
        case .none: break
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            switch state.inputClosed() {
            case .shutDownPartnerOutput: partner?.partnerInputClosed()
            case .none: break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        state.writabilityChanged(isWritable: writable)
        partner?.partnerWritabilityChanged(isWritable: writable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state.channelInactive() {
        case .classifyThenClosePartner(let cleanly):
            let reason = CloseReason.classify(
                errorNumber: failure?.errorNumber,
                tcpInfo: failure?.tcpInfo,
                sawEndOfInput: state.sawEndOfInput,
                closeRequested: state.closeRequested,
                localReason: state.localReason
            )
            session?.sideBecameInactive(side, reason: reason)
            // NIO closes a channel outright, without an input-closed event, when its input ends after its output was
            // shut; so a clean end still lets the partner write what it has queued before it closes.
            partner?.partnerClosed(cleanly: cleanly, upstreamReset: side == .upstream && reason == .remoteReset)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.errorCaught()
        let failure = self.failure ?? ChannelFailure()
        self.failure = failure
        failure.record(error, on: context.channel)
        session?.sideFailed(side, error: error)
        context.close(promise: nil)
    }

    // MARK: Outbound

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        state.closeRequested(mode: mode)
        context.close(mode: mode, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        switch state.readRequested() {
        case .read:
            context.read()
        case .holdAndCountPause:
            session?.recordPausedReading(side)
        case .hold:
            break
        }
    }

    /// tcp_proxy's `idle_timeout` passed: the session is about to close this side, and it counts as that.
    func idleTimeoutExpired() {
        state.idleTimeoutExpired()
    }

    // MARK: Called by the partner

    private func partnerWrite(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    private func partnerWritabilityChanged(isWritable: Bool) {
        switch state.partnerWritabilityChanged(isWritable: isWritable) {
        case .read: context?.read()
        case .none: break
        }
    }

    private func partnerInputClosed() {
        perform(state.partnerInputClosed())
    }

    /// `upstreamReset`: the partner is the upstream and its endpoint reset the connection. As Envoy 1.40 does, the
    /// client then gets a reset too (SO_LINGER 0), not a FIN that would look like a clean end of the reply.
    private func partnerClosed(cleanly: Bool, upstreamReset: Bool) {
        let action = state.partnerClosed(cleanly: cleanly)
        if upstreamReset, case .close = action, let provider = context?.channel as? any SocketOptionProvider {
            // On the event loop this completes at once, before the close below.
            _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        perform(action)
    }

    /// The partner just connected: hand it what arrived meanwhile, then resume reading.
    private func partnerConnected(isWritable: Bool) {
        let action = state.partnerConnected(isWritable: isWritable)
        guard let partner else { return }
        if action.writeHeldBytes {
            for buffer in state.takeHeldBytes() {
                partner.partnerWrite(buffer)
            }
            partner.partnerFlush()
        }
        if action.shutDownPartnerOutput {
            partner.partnerInputClosed()
        }
        if action.read {
            context?.read()
        }
    }

    private func perform(_ action: TCPProxyConnectionStateMachine.OutputAction) {
        guard let context else { return }
        switch action {
        case .flushThenReport:
            // An empty write completes after every earlier write, so the shutdown or close follows the last byte.
            // Shutting the output straight away would, once this side's input is closed too, close the channel and
            // drop queued bytes.
            let flushed = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: flushed)
            flushed.futureResult.assumeIsolated().whenComplete { _ in
                self.pendingWritesFlushed()
            }
        case .close:
            // A close from this handler's own context does not pass through its `close(context:mode:promise:)`.
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func pendingWritesFlushed() {
        guard let context else { return }
        switch state.pendingWritesFlushed() {
        case .shutDownOutput: context.close(mode: .output, promise: nil)
        case .close: context.close(promise: nil)
        case .none: break
        }
    }
}

@available(*, unavailable)
extension TCPProxyGlueHandler: Sendable {}
