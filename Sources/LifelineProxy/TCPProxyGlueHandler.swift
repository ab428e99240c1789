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
    /// A `read()` withheld because the partner could not take more bytes (or was not connected yet).
    private var pendingRead = false
    /// Bytes read before the partner was connected.
    private var held: [ByteBuffer] = []
    /// End of input seen before the partner was connected.
    private var heldInputClosed = false
    private(set) var inputClosed = false
    private(set) var outputClosed = false
    /// Whether this side's channel failed (e.g. reset) rather than ending cleanly.
    private var failed = false
    /// The errno the channel failed with.
    private var errorNumber: Int32?
    /// TCP_INFO when the channel failed with ETIMEDOUT, read before NIO closes the socket.
    private var tcpInfoAtError: TCPInfo?
    /// Whether a full close of this channel was requested here (rather than the peer ending it).
    private var closeRequested = false
    /// Why the gateway closes this side, when it does so on purpose (idle timeout).
    var localReason: CloseReason?

    init(side: Side) {
        self.side = side
    }

    /// Whether this side's channel is connected and in the pipeline.
    var isConnected: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    // MARK: Events from this side's channel

    func channelActive(context: ChannelHandlerContext) {
        session?.sideBecameActive(side)
        if side == .upstream {
            partner?.partnerConnected()
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        session?.recordRead(side, bytes: buffer.readableBytes)
        if let partner, partner.isConnected {
            partner.partnerWrite(buffer)
        } else {
            held.append(buffer)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let partner, partner.isConnected {
            partner.partnerFlush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            if let partner, partner.isConnected {
                partner.partnerShutdownOutput()
            } else {
                heldInputClosed = true
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = CloseReason.classify(
            errorNumber: errorNumber,
            tcpInfo: tcpInfoAtError,
            sawEndOfInput: inputClosed,
            closeRequested: closeRequested,
            localReason: localReason
        )
        session?.sideBecameInactive(side, reason: reason)
        // NIO closes a channel outright, without an input-closed event, when its input ends after its output was
        // shut; so a clean end still lets the partner write what it has queued before it closes.
        partner?.partnerClose(flushingFirst: !failed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed = true
        if errorNumber == nil, let ioError = error as? IOError {
            errorNumber = ioError.errnoCode
            #if os(Linux)
                if ioError.errnoCode == ErrorNumber.timedOut,
                    let provider = context.channel as? any SocketOptionProvider
                {
                    // On the event loop this completes at once, while the socket is still open.
                    provider.getTCPInfo().assumeIsolated().whenSuccess { self.tcpInfoAtError = TCPInfo($0) }
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
        if let partner, partner.isConnected, partner.isWritable {
            context.read()
        } else {
            if !pendingRead, partner?.isConnected == true {
                session?.recordPausedReading(side)
            }
            pendingRead = true
        }
    }

    // MARK: Called by the partner

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerWrite(_ buffer: ByteBuffer) {
        session?.recordWrite(side, bytes: buffer.readableBytes)
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
        if pendingRead, partner.isWritable, let context {
            pendingRead = false
            context.read()
        }
    }
}

@available(*, unavailable)
extension TCPProxyGlueHandler: Sendable {}
