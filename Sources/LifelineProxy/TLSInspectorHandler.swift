import LifelinePlan
import NIOCore

/// Envoy's `tls_inspector` listener filter as the first handler of an accepted channel: it holds the first bytes,
/// asks `ClientHelloParser` about them, and once it knows, reports a `TLSInspection` and replays the held bytes,
/// untouched, to the handlers after it — so a TLS handler added by `onInspected`, or a passthrough proxy, sees the
/// complete ClientHello. Then it leaves the pipeline.
///
/// The inspection is reported twice, to suit either style of wiring: `onInspected` runs first (synchronously, on the
/// event loop, so it may add handlers after this one), then the inspection goes down the pipeline as a user inbound
/// event. A connection that does not get that far is closed and reported to `onRejected`.
final class TLSInspectorHandler: ChannelDuplexHandler, ListenerFilterHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let parser: ClientHelloParser
    private let continueOnTimeout: Bool
    private let onInspected: (TLSInspection) -> Void
    private let onRejected: (TLSInspectorRejection) -> Void

    var isReading = true
    var held: ByteBuffer?
    /// How many bytes must be held before the parser can say more.
    private var needed = 0
    var timer: ListenerFilterTimer

    /// - Parameters:
    ///   - timeout: `listener_filters_timeout`; nil waits for ever.
    ///   - continueOnTimeout: `continue_on_listener_filters_timeout`: on timeout, go on as `raw_buffer` with no SNI.
    init(
        parser: ClientHelloParser = ClientHelloParser(),
        timeout: TimeAmount?,
        continueOnTimeout: Bool,
        onInspected: @escaping (TLSInspection) -> Void = { _ in },
        onRejected: @escaping (TLSInspectorRejection) -> Void = { _ in }
    ) {
        self.parser = parser
        self.timer = ListenerFilterTimer(timeout: timeout)
        self.continueOnTimeout = continueOnTimeout
        self.onInspected = onInspected
        self.onRejected = onRejected
    }

    /// From the listener's `listener_filters_timeout` and `continue_on_listener_filters_timeout`.
    convenience init(
        plan: ListenerFiltersPlan,
        parser: ClientHelloParser = ClientHelloParser(),
        onInspected: @escaping (TLSInspection) -> Void = { _ in },
        onRejected: @escaping (TLSInspectorRejection) -> Void = { _ in }
    ) {
        self.init(
            parser: parser,
            timeout: plan.timeout.map { TimeAmount($0) },
            continueOnTimeout: plan.continueOnTimeout,
            onInspected: onInspected,
            onRejected: onRejected
        )
    }

    // MARK: Deciding

    func heldBytesChanged(context: ChannelHandlerContext) {
        guard held!.readableBytes >= needed else { return }
        inspect(context: context)
    }

    func timedOut(context: ChannelHandlerContext) {
        if continueOnTimeout {
            decide(TLSInspection(transportProtocol: .rawBuffer, timedOut: true), context: context)
        } else {
            reject(.timeout, context: context)
        }
    }

    func inputClosedWhileReading(context: ChannelHandlerContext) {
        reject(.connectionClosed, context: context)
    }

    func closedWhileReading() {
        onRejected(.connectionClosed)
    }

    private func inspect(context: ChannelHandlerContext) {
        let bytes = held.map { Array($0.readableBytesView) } ?? []
        let (decision, needed) = parser.progress(bytes)
        switch decision {
        case .needMoreData:
            self.needed = needed
        case .notTLS:
            decide(.rawBuffer, context: context)
        case .tls(let serverName, let alpn):
            decide(TLSInspection(transportProtocol: .tls, serverName: serverName, alpn: alpn), context: context)
        case .tooLarge:
            reject(.clientHelloTooLarge, context: context)
        }
    }

    private func decide(_ inspection: TLSInspection, context: ChannelHandlerContext) {
        isReading = false
        timer.cancel()
        onInspected(inspection)
        context.fireUserInboundEventTriggered(inspection)
        if let buffer = held {
            held = nil
            context.fireChannelRead(wrapInboundOut(buffer))
            context.fireChannelReadComplete()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func reject(_ rejection: TLSInspectorRejection, context: ChannelHandlerContext) {
        isReading = false
        timer.cancel()
        held = nil
        onRejected(rejection)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension TLSInspectorHandler: Sendable {}
