import NIOCore

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
}

@available(*, unavailable)
extension HTTPConnectionRegistry: Sendable {}

/// First in a connection's pipeline: counts it open and closed and the bytes it carries
/// (`downstream_cx_rx_bytes_total`, `downstream_cx_tx_bytes_total`), and keeps it in its loop's registry meanwhile.
final class HTTPConnectionTracker: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let manager: HTTPConnectionManagerContext
    private let registry: HTTPConnectionRegistry
    private var counted = false

    init(manager: HTTPConnectionManagerContext, registry: HTTPConnectionRegistry) {
        self.manager = manager
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context.channel)
        context.fireChannelActive()
    }

    private func opened(_ channel: any Channel) {
        guard !counted else { return }
        counted = true
        manager.connectionOpened()
        registry.add(channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        manager.stats.increment(.downstreamBytesReceived, by: unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        manager.stats.increment(.downstreamBytesSent, by: unwrapOutboundIn(data).readableBytes)
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            counted = false
            manager.connectionClosed()
            registry.remove(context.channel)
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension HTTPConnectionTracker: Sendable {}
