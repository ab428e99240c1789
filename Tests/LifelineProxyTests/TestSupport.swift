import Glibc
import LifelineConfig
import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A deterministic byte stream: a fixed pseudo-random block of prime length, repeated, so any offset is checkable
/// with memcmp.
enum Pattern {
    static let block: [UInt8] = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<65_521).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }()

    /// `count` bytes of the stream starting at `offset`.
    static func bytes(at offset: Int, count: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count)
        var position = offset % block.count
        var remaining = count
        while remaining > 0 {
            let run = min(remaining, block.count - position)
            _ = block.withUnsafeBufferPointer {
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[position..<position + run])))
            }
            remaining -= run
            position = 0
        }
        return buffer
    }

    /// Whether `buffer` equals the stream at `offset`.
    static func matches(_ buffer: ByteBuffer, at offset: Int) -> Bool {
        buffer.withUnsafeReadableBytes { received in
            var checked = 0
            var position = offset % block.count
            while checked < received.count {
                let run = min(received.count - checked, block.count - position)
                let equal = block.withUnsafeBytes { expected in
                    memcmp(received.baseAddress! + checked, expected.baseAddress! + position, run) == 0
                }
                guard equal else { return false }
                checked += run
                position = 0
            }
            return true
        }
    }
}

/// A thread-safe counter shared between a test and the handlers it starts.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ amount: Int) { value.add(amount, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// A small collection of things a handler reports back to a test.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}

/// A real TCP server on 127.0.0.1 with a port of its own, whose per-connection handler the test chooses.
struct TestUpstream {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func start(
        group: any EventLoopGroup,
        handler: @escaping @Sendable () -> any ChannelHandler
    ) async throws -> TestUpstream {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestUpstream(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Echoes every byte and, on end of input, closes its output. Checks what it receives against ``Pattern`` when asked.
final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let received: Counter?
    private let mismatches: Counter?

    init(verifyingInto received: Counter? = nil, mismatches: Counter? = nil) {
        self.received = received
        self.mismatches = mismatches
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let received, let mismatches {
            if !Pattern.matches(buffer, at: received.current) { mismatches.add(1) }
            received.add(buffer.readableBytes)
        }
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // With its input already closed NIO turns an output shutdown into a full close that drops queued
            // writes, so close only once everything echoed is written.
            context.writeAndFlush(NIOAny(ByteBuffer())).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A running gateway built from a YAML bootstrap, the way `lifeline run` builds it.
struct GatewayHarness {
    let gateway: Gateway
    let listener: GatewayListener
    var port: Int { listener.localPort! }
    var cluster: UpstreamCluster { gateway.clusters.values.first! }

    /// A single-listener tcp_proxy config: listener on 127.0.0.1:0 to one cluster of `upstreamPorts`.
    static func config(
        upstreamPorts: [Int],
        listenerExtra: String = "",
        tcpProxyExtra: String = "",
        clusterExtra: String = "",
        connectTimeout: String = "2s"
    ) -> String {
        let cluster = loopbackCluster(
            "upstream",
            ports: upstreamPorts,
            connectTimeout: connectTimeout,
            extra: clusterExtra
        )
        return config(
            cluster: "upstream",
            clusters: cluster,
            listenerExtra: listenerExtra,
            tcpProxyExtra: tcpProxyExtra
        )
    }

    /// A single-listener tcp_proxy config: listener on 127.0.0.1:0 to `cluster`, with `clusters` (entries of the
    /// `clusters` list, as ``loopbackCluster(_:ports:connectTimeout:extra:)`` makes them) as its clusters.
    static func config(
        cluster: String,
        clusters: String,
        listenerExtra: String = "",
        tcpProxyExtra: String = ""
    ) -> String {
        """
        static_resources:
          listeners:
          - name: test
            address:
              socket_address: { address: 127.0.0.1, port_value: 0 }
        \(listenerExtra)
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: test
                  cluster: \(cluster)
        \(tcpProxyExtra)
          clusters:
        \(clusters)
        """
    }

    static func start(yaml: String, group: any EventLoopGroup, engine: L4Engine = .selected) async throws
        -> GatewayHarness
    {
        let tree = try ConfigLoader.parseDocument(yaml, file: "test.yaml")
        let (bootstrap, _) = try Bootstrap.decode(tree)
        let (plan, _) = try GatewayPlanner.plan(bootstrap)
        var logger = Logger(label: "lifeline-test")
        logger.logLevel = .critical
        let gateway = try Gateway(plan: plan, logger: logger, l4Engine: engine)
        try await gateway.start(group: group)
        return GatewayHarness(gateway: gateway, listener: gateway.listeners[0])
    }

    func stop() async {
        await gateway.stop()
    }
}

/// Runs `body` against a gateway (a single-listener config with the given extras) in front of one test upstream
/// whose connections each get a new `upstream` handler, on a fresh two-loop group; stops all of it afterwards, also
/// when `body` throws.
func withGateway<T>(
    upstream: @autoclosure @escaping @Sendable () -> any ChannelHandler,
    listenerExtra: String = "",
    tcpProxyExtra: String = "",
    connectTimeout: String = "2s",
    engine: L4Engine = .selected,
    _ body: (GatewayHarness, any EventLoopGroup) async throws -> T
) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let testUpstream = try await TestUpstream.start(group: group, handler: upstream)
    let harness = try await GatewayHarness.start(
        yaml: GatewayHarness.config(
            upstreamPorts: [testUpstream.port],
            listenerExtra: listenerExtra,
            tcpProxyExtra: tcpProxyExtra,
            connectTimeout: connectTimeout
        ),
        group: group,
        engine: engine
    )
    let result: Swift.Result<T, any Error>
    do {
        result = .success(try await body(harness, group))
    } catch {
        result = .failure(error)
    }
    await harness.stop()
    await testUpstream.stop()
    try await group.shutdownGracefully()
    return try result.get()
}

typealias ByteChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

/// Connects a client that can half-close its output.
func connectClient(port: Int, group: any EventLoopGroup) async throws -> ByteChannel {
    try await ClientBootstrap(group: group)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try ByteChannel(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(isOutboundHalfClosureEnabled: true)
                )
            }
        }
}

/// Reads until end of stream (or a reset), returning every byte.
func readAll(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async -> (ByteBuffer, ended: Bool) {
    var all = ByteBuffer()
    do {
        for try await var chunk in inbound {
            all.writeBuffer(&chunk)
        }
        return (all, true)
    } catch {
        return (all, false)
    }
}

/// Runs `body`, failing if it takes longer than `seconds` — a guard against hanging tests, not a measurement.
func withDeadline<T: Sendable>(
    seconds: Int,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(seconds: seconds)
        }
        return value
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "gave up after \(seconds) s" }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
func eventually(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

/// Every suite that runs a real gateway, one at a time: they count the process's descriptors and bind ports, so
/// running them side by side would make one test see another's sockets.
@Suite(.serialized) enum LiveProxyTests {}

/// A port on 127.0.0.1 that refuses connections for as long as this value lives: bound, never listening, so no other
/// test can be given the same port meanwhile.
final class RefusingPort: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, length)
                _ = getsockname(fd, $0, &length)
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(fd)
    }
}

/// Connects to `port`, sends `ping`, and returns the first bytes that come back (from an echoing upstream: `ping`).
func pingOnce(port: Int, group: any EventLoopGroup) async throws -> String? {
    let client = try await connectClient(port: port, group: group)
    return try await client.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: "ping"))
        var iterator = inbound.makeAsyncIterator()
        return try await iterator.next().map { String(buffer: $0) }
    }
}

/// Cluster `name` as an entry of a bootstrap's `clusters` list (indented by 2): `connect_timeout: connectTimeout`, then
/// `extra` as given (indented by 4 by the caller), and one endpoint on 127.0.0.1 for each of `ports`.
func loopbackCluster(_ name: String, ports: [Int], connectTimeout: String, extra: String = "") -> String {
    let endpoints = ports.map { port in
        """
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: \(port) }
        """
    }
    return """
          - name: \(name)
            connect_timeout: \(connectTimeout)
        \(extra)
            load_assignment:
              cluster_name: \(name)
              endpoints:
              - lb_endpoints:
        \(endpoints.joined(separator: "\n"))
        """
}
