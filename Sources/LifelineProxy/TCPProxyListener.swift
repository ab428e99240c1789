public import LifelinePlan
import LifelineSocket
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

/// A listener running `tcp_proxy`: its listening sockets (one per event loop with SO_REUSEPORT), each made and
/// staged by the lifecycle driver and then handed to NIO.
public final class TCPProxyListener: Sendable {
    public let plan: ListenerPlan
    public let stats = ProxyStats()
    private let context: TCPProxyListenerContext
    private let acceptedCheck: AcceptedSocketCheck
    private let serverChannels = NIOLockedValueBox<[any Channel]>([])
    /// The sessions of each event loop that may carry this listener's connections.
    private let registries = NIOLockedValueBox<[NIOLoopBound<TCPProxySessionRegistry>]>([])

    public init(plan: ListenerPlan, cluster: UpstreamCluster, logger: Logger) {
        self.plan = plan
        var logger = logger
        logger[metadataKey: "listener.name"] = "\(plan.name)"
        context = TCPProxyListenerContext(
            listenerName: plan.name,
            cluster: cluster,
            idleTimeout: plan.tcpProxy.idleTimeout,
            stats: stats,
            logger: logger
        )
        acceptedCheck = AcceptedSocketCheck(options: plan.socketOptions.map(\.option))
    }

    /// The port the listener is bound to (differs from the plan's when the plan asked for port 0).
    public var localPort: Int? {
        serverChannels.withLockedValue { $0.first?.localAddress?.port }
    }

    /// Makes and stages the listening sockets and starts accepting. On failure nothing stays bound.
    public func start(group: any EventLoopGroup) async throws {
        let loops = plan.reusePort ? Array(group.makeIterator()) : [group.next()]
        var address = plan.address
        // Accepted connections are served on the accepting loop (one socket per loop with SO_REUSEPORT), or on any.
        var registryOfLoop: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>] = [:]
        for loop in group.makeIterator() {
            let registry = try await loop.submit { [context] in
                NIOLoopBound(
                    TCPProxySessionRegistry(eventLoop: loop, idleTimeout: context.idleTimeout),
                    eventLoop: loop
                )
            }.get()
            registryOfLoop[ObjectIdentifier(loop)] = registry
        }
        registries.withLockedValue { $0 = Array(registryOfLoop.values) }
        let builder = ListeningSocketBuilder()
        do {
            for loop in loops {
                let fd = try builder.makeListeningSocket(
                    listener: plan.name,
                    address: address,
                    options: plan.stagedOptions,
                    backlog: plan.backlog
                )
                let channel = try await makeBootstrap(
                    loop: loop,
                    childGroup: plan.reusePort ? loop : group,
                    registries: registryOfLoop
                ).withBoundSocket(fd).get()
                // NIO calls listen() again with its own backlog (128); restore the planned one.
                try? PosixSocketSystemCalls().listen(fd, backlog: plan.backlog)
                serverChannels.withLockedValue { $0.append(channel) }
                if address.port == 0, let port = channel.localAddress?.port {
                    // Every SO_REUSEPORT socket of the listener must share the port the first one was given.
                    address = IPEndpoint(host: address.host, port: port) ?? address
                }
            }
        } catch {
            await stop()
            throw error
        }
        context.logger.info(
            "listening",
            metadata: ["listener.address": "\(address)", "listener.sockets": "\(loops.count)"]
        )
    }

    /// Stops accepting, then closes every open connection.
    public func stop() async {
        let channels = serverChannels.withLockedValue { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in channels {
            try? await channel.close()
        }
        await context.closeAll(registries.withLockedValue { $0 })
    }

    /// Number of downstream connections currently open.
    public var activeConnections: Int { stats[.downstreamConnectionsActive] }

    private func makeBootstrap(
        loop: any EventLoop,
        childGroup: any EventLoopGroup,
        registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>]
    ) -> ServerBootstrap {
        let context = self.context
        let check = acceptedCheck
        let limit = plan.bufferLimitBytes
        let listenerName = plan.name
        var bootstrap = ServerBootstrap(group: loop, childGroup: childGroup)
            .serverChannelOption(.backlog, value: plan.backlog)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: max(1, limit / 2), high: limit))
            .childChannelOption(.recvAllocator, value: TCPProxyListenerContext.receiveBuffers)
        // NIO sets TCP_NODELAY on the listening socket after our staging; keep a configured value instead.
        let nodelay = SocketOptionNames.entry(optionName: "TCP_NODELAY")
        if let nodelay,
            let configured = plan.socketOptions.last(where: {
                $0.option.level == nodelay.level && $0.option.name == nodelay.name
            }), case .int(let value) = configured.option.value
        {
            bootstrap = bootstrap.serverChannelOption(.tcpOption(.tcp_nodelay), value: SocketOptionValue(value))
        } else {
            bootstrap = bootstrap.childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        }
        return bootstrap.childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                check.apply(to: channel, listener: listenerName, logger: context.logger)
                guard let registry = registries[ObjectIdentifier(channel.eventLoop)] else {
                    throw TCPProxyListenerError.unknownEventLoop(listener: listenerName)
                }
                let session = TCPProxySession(downstreamChannel: channel, listener: context, registry: registry.value)
                try channel.pipeline.syncOperations.addHandler(session.downstream)
            }
        }
    }
}

/// A connection arrived on an event loop the listener was not started with (a programming error, not an input one).
enum TCPProxyListenerError: Error {
    case unknownEventLoop(listener: String)
}
