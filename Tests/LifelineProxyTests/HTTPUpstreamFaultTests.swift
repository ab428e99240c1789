import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// What a client and the access log get when the upstream fails, in Envoy 1.40's words (measured side by side by
    /// the faults suite's `upstream` scenario).
    @Suite struct HTTPUpstreamFaultTests {
        /// Before: "reset reason: connection failure" for a timeout and a refusal alike.
        @Test func aConnectTimeoutSaysConnectionTimeout() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let stalled = RawListener()
            stalled.fillAcceptQueue()
            let harness = try await HTTPGatewayHarness.start(
                manager: HTTPPlans.manager(routes: [HTTPPlans.route(cluster: "stalled")]),
                clusters: ["stalled": [stalled.port]],
                group: group
            )
            let answer = try curl(["--http1.1", "http://127.0.0.1:\(harness.port)/x"])
            #expect(answer.status == 503)
            let reason = "reset reason: connection timeout"
            #expect(answer.body == "upstream connect error or disconnect/reset before headers. \(reason)")
            await harness.stop()
            try await group.shutdownGracefully()
            withExtendedLifetime(stalled) {}
        }

        /// An HTTP/1.1 response cut inside its body: Envoy's codec reads the early end as a protocol error, `UPE`.
        /// Before: `UC`.
        @Test func anHTTP1ResponseCutInsideItsBodyIsLoggedUPE() async throws {
            let lines = Box<[String]>([])
            var logger = Logger(label: "lifeline-test") { _ in RecordingLogHandler(lines: lines) }
            logger.logLevel = .info
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()]), logger: logger) { harness, _, _ in
                _ = try? curl(["--http1.1", "http://127.0.0.1:\(harness.port)/half"])
                #expect(await eventually { lines.value.contains { $0.contains("\"GET /half HTTP/1.1\" 200 UPE ") } })
            }
        }
    }
}
