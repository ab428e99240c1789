import LifelinePlan
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL

/// Sends a downstream HTTP/2 connection's keepalive PINGs and polices the client's, as its
/// ``HTTP2PingStateMachine`` decides. Sits after `NIOHTTP2Handler` (which answers client PINGs itself); learns of
/// received bytes from an ``HTTPReceiveObserver`` before it, and of sent response headers and data from the
/// connection's stream handlers.
final class HTTP2PingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private var state: HTTP2PingStateMachine
    private let stats: ProxyStats
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var pingTimer: Scheduled<Void>?
    private var timeoutTimer: Scheduled<Void>?
    private var lastStreamID: HTTP2StreamID = .rootStream
    /// The GOAWAY `too_many_pings` was sent; the connection is closing.
    private var sentTooManyPings = false
    private let pingData = HTTP2PingData(withInteger: UInt64.random(in: .min ... .max))

    init(keepalive: Http2KeepalivePlan?, policy: HTTP2PingStateMachine.Policy, stats: ProxyStats, logger: Logger) {
        self.state = HTTP2PingStateMachine(keepalive: keepalive, policy: policy)
        self.stats = stats
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { schedulePing() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if pingTimer == nil { schedulePing() }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if case .ping(_, ack: false) = frame.payload {
            switch state.clientPing(at: .now()) {
            case .allow: break
            case .tooManyPings:
                tooManyPings(context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let created = event as? NIOHTTP2StreamCreatedEvent, created.streamID > lastStreamID {
            lastStreamID = created.streamID
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Last in the connection's pipeline: a connection error (swift-nio-http2 has sent its GOAWAY) ends it.
    /// A connection error was seen and the close is under way.
    private var closingOnError = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        if error is NIOHTTP2Errors.StreamError {
            // swift-nio-http2 reset that one stream (RST_STREAM); the connection and its other streams go on.
            logger.debug("HTTP/2 stream error", metadata: ["connection.peer": "\(peer)", "error": "\(error)"])
            return
        }
        logger.debug("HTTP/2 connection error; closing", metadata: ["connection.peer": "\(peer)", "error": "\(error)"])
        guard !closingOnError else { return }
        closingOnError = true
        if !(error is NIOSSLError) {
            stats.increment(.downstreamProtocolError)
        }
        if let flood = HTTP2Flood.stat(for: error) {
            stats.increment(flood)
        }
        // swift-nio-http2 writes the GOAWAY naming a connection error after it reports the error (and may report a
        // follow-on error first): close once the current read is processed, with everything written flushed.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            bound.value.flush()
            bound.value.close(promise: nil)
        }
    }

    /// Bytes arrived from the client.
    func received() {
        guard state.received() else { return }
        timeoutTimer?.cancel()
        timeoutTimer = nil
    }

    /// A stream of the connection sent response headers or data.
    func responseSent() {
        state.responseSent()
    }

    private func schedulePing() {
        guard let context, let delay = state.nextPingDelay(jitter: Double.random(in: 0...1)) else { return }
        pingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [weak self] in
            self?.pingDue()
        }
    }

    private func pingDue() {
        guard let context else { return }
        if case .sendPing(let timeout) = state.pingDue() {
            context.writeAndFlush(
                wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .ping(pingData, ack: false))),
                promise: nil
            )
            timeoutTimer?.cancel()
            timeoutTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
                self?.timeoutFired()
            }
        }
        schedulePing()
    }

    private func timeoutFired() {
        timeoutTimer = nil
        guard let context, state.timeoutFired() else { return }
        stats.increment(.http2KeepaliveTimeout)
        logger.debug(
            "HTTP/2 keepalive timeout; closing",
            metadata: ["connection.peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"]
        )
        context.close(promise: nil)
    }

    private func tooManyPings(context: ChannelHandlerContext) {
        // The PINGs of a flood that arrive after the GOAWAY, while the close is under way, end nothing more.
        guard !sentTooManyPings else { return }
        sentTooManyPings = true
        stats.increment(.http2TooManyPings)
        logger.debug(
            "HTTP/2 client sent too many PINGs; GOAWAY",
            metadata: ["connection.peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"]
        )
        cancelTimers()
        let goAway = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(
                lastStreamID: lastStreamID,
                errorCode: .enhanceYourCalm,
                opaqueData: ByteBuffer(string: "too_many_pings")
            )
        )
        context.writeAndFlush(wrapOutboundOut(goAway)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func cancelTimers() {
        pingTimer?.cancel()
        pingTimer = nil
        timeoutTimer?.cancel()
        timeoutTimer = nil
    }
}

@available(*, unavailable)
extension HTTP2PingHandler: Sendable {}
