import NIOCore

/// `codec_type: AUTO` on a connection without ALPN: reads the first bytes and tells whether they are the HTTP/2
/// connection preface (h2c with prior knowledge) or something else (HTTP/1.1), then hands every byte it held to the
/// pipeline the decision builds after it, and leaves.
final class HTTPCodecSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 §3.4).
    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum Verdict: Equatable {
        case http2
        case http1
        /// Not enough bytes yet.
        case undecided
    }

    /// What the first bytes of a connection say.
    static func verdict(_ bytes: ByteBuffer) -> Verdict {
        let count = min(bytes.readableBytes, preface.count)
        guard let seen = bytes.getBytes(at: bytes.readerIndex, length: count) else { return .undecided }
        if seen != Array(preface[0..<count]) { return .http1 }
        return count == preface.count ? .http2 : .undecided
    }

    private let configure: (any Channel, Bool) throws -> Void
    private let idleTimeout: Duration?
    private let onIdle: () -> Void
    private var buffered: ByteBuffer?
    private var idleTimer: Scheduled<Void>?

    /// - Parameters:
    ///   - idleTimeout: the connection's `idle_timeout`, which runs from accept (a connection that never says
    ///     anything is idle too); `onIdle` is told before it closes the connection.
    ///   - configure: builds the pipeline after this handler; its Bool is true for HTTP/2.
    init(
        idleTimeout: Duration?,
        onIdle: @escaping () -> Void,
        configure: @escaping (any Channel, Bool) throws -> Void
    ) {
        self.idleTimeout = idleTimeout
        self.onIdle = onIdle
        self.configure = configure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let idleTimeout else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(idleTimeout)) { [weak self] in
            self?.onIdle()
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var held = buffered {
            held.writeBuffer(&bytes)
            bytes = held
        }
        switch Self.verdict(bytes) {
        case .undecided:
            buffered = bytes
        case .http1, .http2:
            buffered = nil
            idleTimer?.cancel()
            idleTimer = nil
            do {
                try configure(context.channel, Self.verdict(bytes) == .http2)
            } catch {
                context.close(promise: nil)
                return
            }
            context.fireChannelRead(wrapInboundOut(bytes))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // Closed before saying anything recognisable: nothing to answer.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension HTTPCodecSniffer: Sendable {}
