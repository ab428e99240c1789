import LifelineAdmin
import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineServer
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// A real ``LifelineServer`` — its service group, admin endpoint and listeners — on loopback ports chosen by the
/// kernel, in front of an echoing upstream; the plan comes from YAML that a test can change for reloads.
final class ServerHarness: Sendable {
    let server: LifelineServer
    let running: LifelineServer.Running
    let upstreamPort: Int
    private let yaml: NIOLockedValueBox<String>
    private let run: Task<Void, any Error>
    private let upstream: any Channel
    private let group: MultiThreadedEventLoopGroup

    var adminPort: Int { running.adminPort ?? 0 }

    /// The gateway's port for listener `name`.
    func port(_ name: String) -> Int {
        running.gateway.listener(named: name)?.localPort ?? 0
    }

    /// A tcp_proxy listener `name` on a port the kernel picks, with keepalive 15/15/3, to the echo upstream.
    static func tcpListener(_ name: String, keepaliveTime: Int = 15) -> String {
        """
          - name: \(name)
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            tcp_keepalive: { keepalive_time: \(keepaliveTime), keepalive_interval: 15, keepalive_probes: 3 }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: \(name)
                  cluster: echo
        """
    }

    static func config(listeners: [String], upstreamPort: Int) -> String {
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
        \(listeners.joined(separator: "\n"))
          clusters:
          - name: echo
            connect_timeout: 1s
            load_assignment:
              cluster_name: echo
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(upstreamPort) } } }
        """
    }

    static func plan(_ yaml: String) throws -> LoadedPlan {
        let tree = try ConfigLoader.parseDocument(yaml, file: "gateway.yaml")
        let (bootstrap, _) = try Bootstrap.decode(tree)
        return LoadedPlan(plan: try GatewayPlanner.plan(bootstrap).0)
    }

    /// Starts the server with listeners made by `listeners` (given the upstream's port) and waits until it runs.
    static func start(drainTime: Duration = .seconds(1), listeners: [String]) async throws -> ServerHarness {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let upstreamPort = upstream.localAddress!.port!
        let yaml = NIOLockedValueBox(config(listeners: listeners, upstreamPort: upstreamPort))
        let source = PlanSource(files: []) {
            do {
                return try plan(yaml.withLockedValue { $0 })
            } catch let error as ConfigError {
                throw PlanLoadError(lines: error.diagnostics.map(\.description))
            }
        }
        var logger = Logger(label: "lifeline-test")
        logger.logLevel = .critical
        let (runs, continuation) = AsyncStream.makeStream(of: LifelineServer.Running.self)
        let server = try LifelineServer(
            source: source,
            initial: try source.load(),
            configuration: ServerConfiguration(
                eventLoops: 1,
                drainTime: drainTime,
                drainStrategy: .immediate,
                watchInterval: nil
            ),
            logger: logger,
            onRunning: { continuation.yield($0) }
        )
        let run = Task { try await server.run() }
        var iterator = runs.makeAsyncIterator()
        guard let running = await iterator.next() else { throw CancellationError() }
        return ServerHarness(
            server: server,
            running: running,
            upstreamPort: upstreamPort,
            yaml: yaml,
            run: run,
            upstream: upstream,
            group: group
        )
    }

    private init(
        server: LifelineServer,
        running: LifelineServer.Running,
        upstreamPort: Int,
        yaml: NIOLockedValueBox<String>,
        run: Task<Void, any Error>,
        upstream: any Channel,
        group: MultiThreadedEventLoopGroup
    ) {
        self.server = server
        self.running = running
        self.upstreamPort = upstreamPort
        self.yaml = yaml
        self.run = run
        self.upstream = upstream
        self.group = group
    }

    /// What the next reload reads.
    func setConfig(listeners: [String]) {
        yaml.withLockedValue { $0 = Self.config(listeners: listeners, upstreamPort: upstreamPort) }
    }

    func setConfigText(_ text: String) {
        yaml.withLockedValue { $0 = text }
    }

    /// An admin request over a fresh connection.
    func admin(_ method: String = "GET", _ target: String) async -> RawHTTPResponse? {
        guard let connection = RawHTTPConnection(port: adminPort) else { return nil }
        connection.send("\(method) \(target) HTTP/1.1\r\nhost: admin\r\ncontent-length: 0\r\n\r\n")
        return await connection.readResponse()
    }

    /// Starts the drain SIGTERM starts and waits for `run()` to return; the time that took.
    @discardableResult
    func shutdown() async throws -> Duration {
        let start = ContinuousClock.now
        await server.shutdown()
        try await run.value
        return ContinuousClock.now - start
    }

    func stopUpstream() async {
        try? await upstream.close()
        try? await group.shutdownGracefully()
    }
}

/// Echoes every byte.
final class Echo: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}
