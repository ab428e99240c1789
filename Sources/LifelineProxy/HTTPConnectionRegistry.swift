import NIOCore
import NIOHTTP2

/// The open connections of one `http_connection_manager` chain on one event loop, kept and visited only on that
/// loop, so that a stop can close them all.
final class HTTPConnectionRegistry {
    let eventLoop: any EventLoop
    /// The loop's connection table, where the chain's connections are registered for the admin endpoint.
    let connections: ConnectionTable
    private var channels: [ObjectIdentifier: any Channel] = [:]

    init(eventLoop: any EventLoop, connections: ConnectionTable) {
        self.eventLoop = eventLoop
        self.connections = connections
    }

    func add(_ channel: any Channel) {
        eventLoop.assertInEventLoop()
        channels[ObjectIdentifier(channel)] = channel
    }

    func remove(_ channel: any Channel) {
        eventLoop.assertInEventLoop()
        channels[ObjectIdentifier(channel)] = nil
    }

    func closeAll() {
        eventLoop.assertInEventLoop()
        for channel in Array(channels.values) {
            channel.close(promise: nil)
        }
    }

    /// Tells every open connection to go away once what it has in flight is done: all now, or each at a random
    /// moment within `time` (Envoy's gradual drain, so clients do not all reconnect at once). `closeIdle`: see
    /// ``FilterChainRuntime/drain(strategy:time:closeIdle:)``.
    func drain(strategy: DrainStrategy, time: Duration, closeIdle: Bool) {
        eventLoop.assertInEventLoop()
        let spread = TimeAmount(time).nanoseconds
        for channel in channels.values {
            if strategy == .immediate || spread <= 0 {
                Self.drain(channel, closeIdle: closeIdle)
            } else {
                let delay = TimeAmount.nanoseconds(Int64.random(in: 0..<spread))
                eventLoop.assumeIsolated().scheduleTask(in: delay) { Self.drain(channel, closeIdle: closeIdle) }
            }
        }
    }

    /// HTTP/1.1: the connection's ``HTTPStreamHandler`` closes it after the current response (with
    /// `connection: close`), or, idle, now or after its next response. HTTP/2: `ChannelShouldQuiesceEvent`, on which
    /// `NIOHTTP2ServerConnectionManagementHandler` sends GOAWAY and closes once the open streams end. A connection
    /// whose codec is not chosen yet (TLS handshake, no byte received) has nothing in flight: closed with
    /// `closeIdle`, else left to the drain signal its first response reads.
    private static func drain(_ channel: any Channel, closeIdle: Bool) {
        guard channel.isActive else { return }
        let pipeline = channel.pipeline.syncOperations
        if let stream = try? pipeline.handler(type: HTTPStreamHandler.self) {
            stream.drainConnection(closeIdle: closeIdle)
        } else if (try? pipeline.handler(type: NIOHTTP2Handler.self)) != nil {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        } else if closeIdle {
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension HTTPConnectionRegistry: Sendable {}

/// First in a connection's pipeline (after the listener filters, so the bytes they held and pass on count too): counts
/// it open and closed, by why it closed, and the bytes it carries (`downstream_cx_rx_bytes_total`,
/// `downstream_cx_tx_bytes_total`, and its entry in the loop's ``ConnectionTable``), keeps it in its loop's registry
/// and table meanwhile, and writes its access log line when it closes.
final class HTTPConnectionTracker: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let manager: HTTPConnectionManagerContext
    private let registry: HTTPConnectionRegistry
    private let labels: ConnectionLabels
    /// The connection's row in the admin endpoint's table while it is open.
    private var entry: ConnectionTable.Entry?
    private var accessLog = ConnectionAccessLog.Record(kind: "http_connection_manager")
    /// What tells why the connection closed.
    private var closeRequested = false
    private var sawEndOfInput = false
    private let failure = ChannelFailure()

    init(manager: HTTPConnectionManagerContext, registry: HTTPConnectionRegistry, labels: ConnectionLabels) {
        self.manager = manager
        self.registry = registry
        self.labels = labels
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context.channel)
        context.fireChannelActive()
    }

    private func opened(_ channel: any Channel) {
        guard entry == nil else { return }
        entry = registry.connections.add(channel, labels: labels)
        manager.connectionOpened()
        registry.add(channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytes
        manager.stats.increment(.downstreamBytesReceived, by: bytes)
        entry?.bytesReceived += bytes
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        manager.stats.increment(.downstreamBytesSent, by: bytes)
        entry?.bytesSent += bytes
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all { closeRequested = true }
        context.close(mode: mode, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { sawEndOfInput = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure.record(error, on: context.channel)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let entry {
            self.entry = nil
            registry.connections.remove(entry)
            let reason = CloseReason.classify(
                errorNumber: failure.errorNumber,
                tcpInfo: failure.tcpInfo,
                sawEndOfInput: sawEndOfInput,
                closeRequested: closeRequested
            )
            manager.connectionClosed(reason: reason)
            registry.remove(context.channel)
            accessLog.bytesReceived = entry.bytesReceived
            accessLog.bytesSent = entry.bytesSent
            accessLog.write(
                to: manager.logger,
                peer: entry.peer.map(TCPProxySession.text),
                upstream: nil,
                reason: reason
            )
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension HTTPConnectionTracker: Sendable {}
