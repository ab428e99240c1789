import Foundation
import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineTestSupport
import Logging
import NIOPosix
import Testing

private let grpcInstalled = (try? ExternalCommand(["python3", "-c", "import grpc"]).run().status) == 0

/// Python grpcio on both ends: a server whose `lifeline.test.Count/Count` streams ten messages 100 ms apart, and,
/// once told the gateway's port, a client that calls it through the gateway, printing `first` after the first
/// message and `done <messages> <status>` at the end.
private final class GRPCStreamingPeers: Sendable {
    private static let script = """
        import sys, time, grpc
        from concurrent import futures
        def count(request, context):
            for i in range(10):
                yield b"message %d" % i
                time.sleep(0.1)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.method_handlers_generic_handler("lifeline.test.Count", {
            "Count": grpc.unary_stream_rpc_method_handler(count)})
        server.add_generic_rpc_handlers((handler,))
        print(server.add_insecure_port("127.0.0.1:0"), flush=True)
        server.start()
        gateway = int(sys.stdin.readline())
        with grpc.insecure_channel("127.0.0.1:%d" % gateway) as channel:
            call = channel.unary_stream("/lifeline.test.Count/Count")(b"go", timeout=20)
            received = 0
            try:
                for message in call:
                    received += 1
                    if received == 1:
                        print("first", flush=True)
                print("done", received, call.code().name, flush=True)
            except grpc.RpcError as error:
                print("done", received, error.code().name, flush=True)
        server.stop(0)
        """

    let upstreamPort: Int
    private let process: Process
    private let input: Pipe
    private let output: Pipe

    init() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.input = input
        self.output = output
        guard let port = Self.readLine(output).flatMap({ Int($0) }) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        upstreamPort = port
    }

    /// Starts the client's call through the gateway on `port`.
    func call(gatewayPort port: Int) {
        input.fileHandleForWriting.write(Data("\(port)\n".utf8))
    }

    /// The next line the peers print (blocking).
    func nextLine() -> String? {
        Self.readLine(output)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    private static func readLine(_ pipe: Pipe) -> String? {
        var line = Data()
        while let byte = try? pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty {
            if byte == Data("\n".utf8) { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }
}

extension LiveProxyTests {
    /// A gRPC server stream in flight through the gateway when the drain begins finishes whole. Runs where grpcio is
    /// installed (`pip install grpcio`).
    @Suite(.enabled(if: grpcInstalled)) struct GatewayDrainGRPCTests {
        @Test func aServerStreamInFlightFinishesWithinTheDrainTime() async throws {
            let peers = try GRPCStreamingPeers()
            defer { peers.stop() }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let yaml = GatewayHarness.config(
                cluster: "grpc",
                clusters: loopbackCluster("grpc", ports: [peers.upstreamPort], connectTimeout: "1s")
            )
            var plan = try GatewayPlanner.plan(Bootstrap.decode(ConfigLoader.parseDocument(yaml, file: "test.yaml")).0)
                .0
            plan.clusters[0].http = UpstreamHttpPlan(http2: Http2ProtocolOptionsPlan())
            plan.listeners[0].filterChains[0].filter = .httpConnectionManager(
                HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/", cluster: "grpc", timeout: nil)])
            )
            var logger = Logger(label: "lifeline-test")
            logger.logLevel = .critical
            let gateway = try Gateway(plan: plan, logger: logger)
            try await gateway.start(group: group)
            peers.call(gatewayPort: try #require(gateway.listeners[0].localPort))
            #expect(peers.nextLine() == "first")

            let clock = ContinuousClock()
            let start = clock.now
            await gateway.drain(strategy: .immediate, time: .seconds(10), graceful: false)
            // The stream took about a second more; the drain ended with its connection, not at the drain time.
            #expect(clock.now - start < .seconds(8))
            #expect(peers.nextLine() == "done 10 OK")
            #expect(gateway.openConnections == 0)
            await gateway.stop()
            try await group.shutdownGracefully()
        }
    }
}
