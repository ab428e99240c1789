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
    /// Whether this side's channel is connected (kept here: asking the channel costs more on every read).
    private var active = false
    /// Whether this side's channel takes more writes, as its last writability change said.
    private var writable = true
    /// A `read()` withheld because the partner could not take more bytes (or was not connected yet).
    private var pendingRead = false
    /// Bytes read before the partner was connected.
    private var held: [ByteBuffer] = []
    /// End of input seen before the partner was connected.
    private var heldInputClosed = false
    private(set) var inputClosed = false
    private(set) var outputClosed = false
    /// How this side's channel failed (e.g. reset) rather than ending cleanly; nil while it has not. Kept out of
    /// line because few connections ever fail and every one of them holds this handler.
    private var failure: Failure?
    /// Whether a full close of this channel was requested here (rather than the peer ending it).
    private var closeRequested = false
    /// Why the gateway closes this side, when it does so on purpose (idle timeout).
    var localReason: CloseReason?

    init(side: Side) {
        self.side = side
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        active = context.channel.isActive
        writable = context.channel.isWritable
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        active = false
        partner = nil
    }

    // MARK: Events from this side's channel

    func channelActive(context: ChannelHandlerContext) {
        active = true
        session?.sideBecameActive(side)
        if side == .upstream {
            partner?.partnerConnected()
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let partner, partner.active {
            session?.recordRead(side, bytes: buffer.readableBytes, forwarded: true)
            partner.partnerWrite(buffer)
        } else {
            session?.recordRead(side, bytes: buffer.readableBytes, forwarded: false)
            held.append(buffer)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let partner, partner.active {
            partner.partnerFlush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            if let partner, partner.active {
                partner.partnerShutdownOutput()
            } else {
                heldInputClosed = true
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable {
            partner?.partnerBecameWritable()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        let reason = CloseReason.classify(
            errorNumber: failure?.errorNumber,
            tcpInfo: failure?.tcpInfo,
            sawEndOfInput: inputClosed,
            closeRequested: closeRequested,
            localReason: localReason
        )
        session?.sideBecameInactive(side, reason: reason)
        // NIO closes a channel outright, without an input-closed event, when its input ends after its output was
        // shut; so a clean end still lets the partner write what it has queued before it closes.
        partner?.partnerClose(flushingFirst: failure == nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure = self.failure ?? Failure()
        self.failure = failure
        if failure.errorNumber == nil, let ioError = error as? IOError {
            failure.errorNumber = ioError.errnoCode
            #if os(Linux)
                if ioError.errnoCode == ErrorNumber.timedOut,
                    let provider = context.channel as? any SocketOptionProvider
                {
                    // On the event loop this completes at once, while the socket is still open.
                    provider.getTCPInfo().assumeIsolated().whenSuccess { failure.tcpInfo = TCPInfo($0) }
                }
            #endif
        }
        session?.sideFailed(side, error: error)
        context.close(promise: nil)
    }

    // MARK: Outbound

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            closeRequested = true
        }
        context.close(mode: mode, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.active, partner.writable {
            context.read()
        } else {
            if !pendingRead, partner?.active == true {
                session?.recordPausedReading(side)
            }
            pendingRead = true
        }
    }

    // MARK: Called by the partner

    private func partnerWrite(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    /// Shuts this side's output once every byte already queued for it is written.
    private func partnerShutdownOutput() {
        guard let context, !outputClosed else { return }
        outputClosed = true
        // An empty write completes after every earlier write, so the FIN follows the last byte. Shutting the output
        // straight away would, once this side's input is closed too, close the channel and drop queued bytes.
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: flushed)
        flushed.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
    }

    private func partnerBecameWritable() {
        if pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    private func partnerClose(flushingFirst: Bool) {
        guard let context else { return }
        // A close from this handler's own context does not pass through its `close(context:mode:promise:)`.
        closeRequested = true
        guard flushingFirst, context.channel.isActive, !outputClosed else {
            context.close(promise: nil)
            return
        }
        outputClosed = true
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: flushed)
        flushed.futureResult.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The partner just connected: hand it what arrived meanwhile, then resume reading.
    func partnerConnected() {
        guard let partner else { return }
        if !held.isEmpty {
            for buffer in held {
                partner.partnerWrite(buffer)
            }
            held.removeAll()
            partner.partnerFlush()
        }
        if heldInputClosed {
            heldInputClosed = false
            partner.partnerShutdownOutput()
        }
        if pendingRead, partner.active, partner.writable, let context {
            pendingRead = false
            context.read()
        }
    }
}

@available(*, unavailable)
extension TCPProxyGlueHandler: Sendable {}

extension TCPProxyGlueHandler {
    /// What a failed channel reported.
    fileprivate final class Failure {
        /// The errno the channel failed with.
        var errorNumber: Int32?
        /// TCP_INFO when the channel failed with ETIMEDOUT, read before NIO closes the socket.
        var tcpInfo: TCPInfo?
    }
}
