import Foundation
import LifelineTestSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

private let grpcInstalled = (try? ExternalCommand(["python3", "-c", "import grpc"]).run().status) == 0

/// A Python grpcio server (the real gRPC core HTTP/2 stack, its default keepalive enforcement) with one unary method,
/// `lifeline.test.Echo/Echo`, that answers with the request's bytes, advertising max_concurrent_streams 10.
private final class GRPCEchoServer: Sendable {
    private static let script = """
        import sys, grpc
        from concurrent import futures
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                             options=[("grpc.max_concurrent_streams", 10)])
        handler = grpc.method_handlers_generic_handler("lifeline.test.Echo", {
            "Echo": grpc.unary_unary_rpc_method_handler(lambda request, context: request)})
        server.add_generic_rpc_handlers((handler,))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        print(port, flush=True)
        sys.stdin.read()
        server.stop(0)
        """

    let port: Int
    private let process: Process
    private let input: Pipe

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
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw ChannelError.inappropriateOperationForState
        }
        self.port = port
        self.process = process
        self.input = input
    }

    /// Ends the server: end of its standard input.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// Collects a gRPC response: the message bytes and the `grpc-status` trailer.
private final class GRPCResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<(message: [UInt8], status: String?)>
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<(message: [UInt8], status: String?)>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            break
        case .body(var buffer):
            body.writeBuffer(&buffer)
        case .end(let trailers):
            // A gRPC message: a compression flag byte, a 4-byte length, the bytes.
            let message = body.getBytes(at: body.readerIndex + 5, length: max(0, body.readableBytes - 5)) ?? []
            promise.succeed((message, trailers?.first(name: "grpc-status")))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}

/// One unary call of `lifeline.test.Echo/Echo` through the pool; returns the echoed text and the grpc-status.
private func echo(_ text: String, pools: HTTPUpstreamPools, on loop: any EventLoop) async throws -> (String, String?) {
    try await exchangeThroughPool(
        pools: pools,
        on: loop,
        collector: { GRPCResponseCollector(promise: $0) },
        send: { channel in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/lifeline.test.Echo/Echo")
            head.headers.add(name: "host", value: "upstream")
            head.headers.add(name: "content-type", value: "application/grpc")
            head.headers.add(name: "te", value: "trailers")
            var message = ByteBuffer()
            message.writeInteger(UInt8(0))
            message.writeInteger(UInt32(text.utf8.count))
            message.writeString(text)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(message)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        },
        outcome: { _, response in (String(decoding: response.message, as: UTF8.self), response.status) }
    )
}

extension LiveProxyTests {
    /// The HTTP/2 pool against gRPC core (Python grpcio): calls, stream limits, and its PING enforcement. Runs where
    /// grpcio is installed (`pip install grpcio`); skipped elsewhere.
    @Suite(.enabled(if: grpcInstalled)) struct HTTP2GRPCInteropTests {
        private func withServer(
            keepalive: Http2KeepalivePlan? = nil,
            _ body: (HTTPUpstreamPools, any EventLoop, UpstreamCluster) async throws -> Void
        ) async throws {
            let server = try GRPCEchoServer()
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let cluster = try makeHTTPCluster(
                ports: [server.port],
                http: UpstreamHttpPlan(http2: Http2ProtocolOptionsPlan(keepalive: keepalive))
            )
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            do {
                try await body(pools, group.next(), cluster)
            } catch {
                await pools.closeAll()
                server.stop()
                try await group.shutdownGracefully()
                throw error
            }
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            server.stop()
            try await group.shutdownGracefully()
        }

        @Test func concurrentUnaryCallsSucceedWithinTheServersStreamLimit() async throws {
            try await withServer { pools, loop, cluster in
                let results = try await withDeadline(seconds: 30) {
                    try await withThrowingTaskGroup(of: (String, String, String?).self) { tasks in
                        for index in 0..<30 {
                            tasks.addTask {
                                let (reply, status) = try await echo("call \(index)", pools: pools, on: loop)
                                return ("call \(index)", reply, status)
                            }
                        }
                        return try await tasks.reduce(into: [(String, String, String?)]()) { $0.append($1) }
                    }
                }
                #expect(results.count == 30)
                for (sent, reply, status) in results {
                    #expect(reply == sent)
                    #expect(status == "0")
                }
                #expect(cluster.stats[.upstreamRequestsTotal] == 30)
                #expect(cluster.stats[.upstreamConnectionsCloseNotify] == 0)
            }
        }

        @Test func pingingAnIdleConnectionEveryFewHundredMillisecondsEarnsTooManyPings() async throws {
            let eager = Http2KeepalivePlan(interval: .milliseconds(200), timeout: .seconds(5), intervalJitterPercent: 0)
            try await withServer(keepalive: eager) { pools, loop, cluster in
                let (_, status) = try await echo("hello", pools: pools, on: loop)
                #expect(status == "0")
                // gRPC core strikes PINGs on a connection without calls and sends GOAWAY `too_many_pings`.
                #expect(await eventually(seconds: 5) { cluster.stats[.upstreamConnectionsCloseNotify] >= 1 })
                #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            }
        }

        @Test func lifelinesDefaultKeepaliveLeavesAGRPCConnectionAlone() async throws {
            try await withServer { pools, loop, cluster in
                let (_, status) = try await echo("hello", pools: pools, on: loop)
                #expect(status == "0")
                try await Task.sleep(for: .seconds(2))
                #expect(cluster.stats[.upstreamConnectionsCloseNotify] == 0)
                #expect(cluster.stats[.upstreamConnectionsActive] == 1)
                let (reply, again) = try await echo("again", pools: pools, on: loop)
                #expect(reply == "again" && again == "0")
                #expect(cluster.stats[.upstreamConnectionsTotal] == 1)
            }
        }
    }
}
