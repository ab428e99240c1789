import NIOCore
import NIOHTTP2

/// One HTTP/2 connection of an ``HTTP2ConnectionPool``, whose streams carry the exchanges. Used only on its pool's
/// event loop.
final class HTTP2PooledConnection {
    enum State {
        /// TCP (and TLS) under way, or the peer's first SETTINGS not yet in.
        case connecting
        /// Takes new streams up to ``streamLimit``.
        case ready
        /// GOAWAY received (or the pool is closing): no new streams; closed when the last one ends.
        case draining
        case closed
    }

    let endpoint: SocketAddress
    var channel: (any Channel)?
    var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    var state: State = .connecting
    /// Whether the peer's first SETTINGS arrived.
    var settingsReceived = false
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS; unlimited until it says.
    var peerMaxConcurrentStreams = Int.max
    /// Streams open now.
    var openStreams = 0
    /// Streams opened so far.
    var streamsOpened = 0
    /// The last stream the peer's GOAWAY says it processed; later ones it did not.
    var goAwayLastStreamID: HTTP2StreamID?
    var idleTimer: Scheduled<Void>?
    /// Closes a connection whose peer never sends SETTINGS.
    var settingsTimer: Scheduled<Void>?
    /// The peer's SETTINGS did not come within `connect_timeout`.
    var settingsTimedOut = false
    var keepalive: HTTP2KeepaliveStateMachine
    var keepaliveTimer: (task: Scheduled<Void>, deadline: NIODeadline)?
    /// Why the gateway closed it, counted when it is gone; nil while the peer is the one to close it.
    var localCloseReason: ProxyStats.Name?

    init(endpoint: SocketAddress, keepalive: HTTP2KeepaliveStateMachine) {
        self.endpoint = endpoint
        self.keepalive = keepalive
    }

    /// How many streams may be open at once: the peer's limit, and the cluster's `max_concurrent_streams`.
    func streamLimit(configured: Int) -> Int {
        min(peerMaxConcurrentStreams, configured)
    }

    /// Closes it from this side (GOAWAY first), remembering why for the close count.
    func close(reason: ProxyStats.Name = .upstreamClosedLocally) {
        if localCloseReason == nil { localCloseReason = reason }
        guard let channel, channel.isActive else {
            channel?.close(promise: nil)
            return
        }
        let goAway = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: .rootStream, errorCode: .noError, opaqueData: nil)
        )
        channel.writeAndFlush(goAway).assumeIsolated().whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func cancelTimers() {
        idleTimer?.cancel()
        idleTimer = nil
        settingsTimer?.cancel()
        settingsTimer = nil
        keepaliveTimer?.task.cancel()
        keepaliveTimer = nil
    }
}

@available(*, unavailable)
extension HTTP2PooledConnection: Sendable {}

/// Sits first after TLS (before the HTTP/2 handler) and reports every read: any byte from the peer proves it alive
/// for the PING keepalive.
final class HTTP2ReceiveObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let onRead: () -> Void

    init(onRead: @escaping () -> Void) {
        self.onRead = onRead
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onRead()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension HTTP2ReceiveObserver: Sendable {}

/// Sits last on an upstream HTTP/2 connection, where the multiplexer passes on the connection's own frames: reports
/// the peer's SETTINGS and GOAWAY, and the connection's end, to the pool.
final class HTTP2ConnectionObserver: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    struct Events {
        /// The peer's SETTINGS (not an ACK), with its SETTINGS_MAX_CONCURRENT_STREAMS if it names one.
        var settings: (_ maxConcurrentStreams: Int?) -> Void
        var goAway: (_ lastStreamID: HTTP2StreamID) -> Void
        /// The answer to a PING: the keepalive schedules the next one.
        var pingAnswered: () -> Void
        var closed: () -> Void
    }

    private var events: Events?
    /// A connection WINDOW_UPDATE sent at start, raising the connection window from 65535 to what the plan wants.
    private let connectionWindowIncrement: Int

    init(connectionWindowIncrement: Int, events: Events) {
        self.connectionWindowIncrement = connectionWindowIncrement
        self.events = events
    }

    func channelActive(context: ChannelHandlerContext) {
        if connectionWindowIncrement > 0 {
            let update = HTTP2Frame(
                streamID: .rootStream,
                payload: .windowUpdate(windowSizeIncrement: connectionWindowIncrement)
            )
            context.writeAndFlush(NIOAny(update), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .settings(.settings(let settings)):
            let limit = settings.last { $0.parameter == .maxConcurrentStreams }.map { $0.value }
            events?.settings(limit)
        case .goAway(let lastStreamID, _, _):
            events?.goAway(lastStreamID)
        case .ping(_, ack: true):
            events?.pingAnswered()
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A connection error: the HTTP/2 handler has sent GOAWAY; nothing more can use this connection.
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let events = self.events
        self.events = nil
        events?.closed()
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension HTTP2ConnectionObserver: Sendable {}

/// First in an upstream stream's pipeline. NIOHTTP2 reports a stream cut off by the peer's GOAWAY as cancelled; when
/// the GOAWAY's last stream id says the peer never processed it, this reports it as refused (REFUSED_STREAM), which
/// ``HTTPUpstreamFailure/isRefusedStream(_:)`` recognizes as safe to send again.
final class HTTP2StreamRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    private let lastProcessedStream: () -> HTTP2StreamID?

    init(lastProcessedStream: @escaping () -> HTTP2StreamID?) {
        self.lastProcessedStream = lastProcessedStream
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed, closed.errorCode == .cancel,
            let last = lastProcessedStream(), closed.streamID > last
        {
            context.fireErrorCaught(NIOHTTP2Errors.streamClosed(streamID: closed.streamID, errorCode: .refusedStream))
            return
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension HTTP2StreamRefusalHandler: Sendable {}
