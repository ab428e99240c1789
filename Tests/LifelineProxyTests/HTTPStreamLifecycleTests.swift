import Foundation
import LifelinePlan
import LifelineProxy
import LifelineTestSupport
import Logging
import NIOCore
import Testing

extension LiveProxyTests {
    /// Timeouts, connection handling, `headers_with_underscores_action` and the access log, with real clients.
    @Suite struct HTTPStreamLifecycleTests {
        private func url(_ harness: HTTPGatewayHarness, _ path: String) -> String {
            "http://127.0.0.1:\(harness.port)\(path)"
        }

        @Test func aQuietStreamIsEndedWith408StreamTimeout() async throws {
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/", timeout: nil)]) {
                $0.streamIdleTimeout = .milliseconds(300)
            }
            try await withHTTPGateway(manager) { harness, _, _ in
                let response = try curl(["--http1.1", url(harness, "/hang")])
                #expect(response.status == 408)
                #expect(response.body == "stream timeout")
                #expect(harness.stats[.downstreamRequestIdleTimeout] == 1)
            }
        }

        @Test func grpcTimeoutEndsTheStreamWithDeadlineExceeded() async throws {
            let limits = MaxStreamDurationPlan(grpcTimeoutHeaderMax: .zero)
            let manager = HTTPPlans.manager(routes: [
                HTTPPlans.route(prefix: "/", timeout: nil, maxStreamDuration: limits)
            ])
            try await withHTTPGateway(manager) { harness, _, _ in
                let started = ContinuousClock.now
                let response = try curl([
                    "--http2-prior-knowledge", "-X", "POST", "-H", "content-type: application/grpc",
                    "-H", "grpc-timeout: 300m", "--data-binary", "x", url(harness, "/hang"),
                ])
                #expect(ContinuousClock.now - started < .seconds(5))
                #expect(response.status == 200)
                #expect(response.header("grpc-status") == "4")
                #expect(harness.stats[.downstreamRequestMaxDurationReached] == 1)
            }
        }

        /// Before: only a gRPC content type's `grpc-timeout` counted; Envoy 1.40 answers any request carrying one 504.
        @Test func grpcTimeoutCountsForAnyContentTypeAsInEnvoy() async throws {
            let limits = MaxStreamDurationPlan(grpcTimeoutHeaderMax: .seconds(10))
            let manager = HTTPPlans.manager(routes: [
                HTTPPlans.route(prefix: "/", timeout: nil, maxStreamDuration: limits)
            ])
            try await withHTTPGateway(manager) { harness, _, _ in
                let response = try curl([
                    "--http2-prior-knowledge", "-X", "POST", "-H", "grpc-timeout: 300m", "--data-binary", "x",
                    url(harness, "/hang"),
                ])
                #expect(response.status == 504)
                #expect(harness.stats[.downstreamRequestMaxDurationReached] == 1)
            }
        }

        @Test func headersWithUnderscoresCanBeRejectedOrDropped() async throws {
            let reject = HTTPPlans.manager(routes: [HTTPPlans.route()]) {
                $0.headersWithUnderscoresAction = .rejectRequest
            }
            try await withHTTPGateway(reject) { harness, _, _ in
                let response = try curl(["--http1.1", "-H", "x_bad: 1", url(harness, "/headers")])
                #expect(response.status == 400)
            }
            let drop = HTTPPlans.manager(routes: [HTTPPlans.route()]) { $0.headersWithUnderscoresAction = .dropHeader }
            try await withHTTPGateway(drop) { harness, _, _ in
                let response = try curl(["--http1.1", "-H", "x_bad: 1", url(harness, "/headers")])
                #expect(response.status == 200)
                #expect(!response.body.contains("x_bad"))
            }
        }

        @Test func connectionCloseIsHonouredAndIdleConnectionsAreClosed() async throws {
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route()]) {
                $0.idleTimeout = .milliseconds(300)
                $0.requestHeadersTimeout = .milliseconds(300)
            }
            try await withHTTPGateway(manager) { harness, _, group in
                let closing = try await rawExchange(
                    port: harness.port,
                    group: group,
                    "GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                )
                #expect(closing.hasPrefix("HTTP/1.1 200"))
                #expect(closing.lowercased().contains("connection: close"))
                #expect(closing.hasSuffix("hello from upstream"))

                // Nothing sent: closed by idle_timeout.
                let idle = try await rawExchange(port: harness.port, group: group, "")
                #expect(idle.isEmpty)
                #expect(harness.stats[.downstreamIdleTimeout] == 1)

                // Headers begun but never finished: closed by request_headers_timeout.
                let slow = try await rawExchange(port: harness.port, group: group, "GET /hello HTTP/1.1\r\nHost:")
                #expect(slow.isEmpty)
                #expect(harness.stats[.downstreamRequestHeaderTimeout] == 1)
            }
        }

        @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, _, group in
                let answers = try await rawExchange(
                    port: harness.port,
                    group: group,
                    "GET /big/5 HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
                        + "GET /headers/last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                )
                let heads = answers.components(separatedBy: "HTTP/1.1 200 OK").count - 1
                #expect(heads == 3)
                let hello = try #require(answers.range(of: "hello from upstream"))
                let last = try #require(answers.range(of: "GET /headers/last"))
                #expect(hello.lowerBound < last.lowerBound)
                #expect(harness.stats[.downstreamConnectionsTotal] == 1)
            }
        }

        @Test func aClientThatGoesAwayMidRequestIsCountedAndItsUpstreamClosed() async throws {
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, upstream, group in
                let client = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { _, outbound in
                    try await outbound.write(
                        ByteBuffer(string: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc")
                    )
                    #expect(await eventually { upstream.seen.value.count == 1 })
                }
                #expect(await eventually { harness.stats[.downstreamRequestRxReset] == 1 })
                #expect(await eventually { harness.stats[.downstreamRequestsActive] == 0 })
            }
        }

        @Test func h2BodiesStreamThroughWithFlowControl() async throws {
            let size = 8 * 1024 * 1024
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route()]) {
                $0.http2.initialStreamWindowSize = 65_535
                $0.http2.initialConnectionWindowSize = 1 << 20
            }
            try await withHTTPGateway(manager) { harness, _, _ in
                let output = try ExternalCommand(
                    [
                        "curl", "-s", "--http2-prior-knowledge", "--data-binary", "@-", "-o", "/dev/null",
                        "-w", "%{http_code} %{size_download}", url(harness, "/echo"),
                    ],
                    standardInput: Data(repeating: 7, count: size)
                ).run()
                #expect(output.text == "200 \(size)")
            }
        }

        @Test func everyRequestGetsAnAccessLogLine() async throws {
            let lines = Box<[String]>([])
            var logger = Logger(label: "lifeline-test") { _ in RecordingLogHandler(lines: lines) }
            logger.logLevel = .info
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/hello")]), logger: logger) {
                harness,
                _,
                _ in
                _ = try curl(["--http1.1", "-A", "tester", url(harness, "/hello")])
                _ = try curl(["--http1.1", url(harness, "/nowhere")])
                #expect(
                    await eventually {
                        lines.value.contains { $0.contains("\"GET /nowhere HTTP/1.1\" 404 NR 0 0 ") }
                    }
                )
                let hello = lines.value.first { $0.contains("\"GET /hello HTTP/1.1\" 200 - 0 19 ") }
                #expect(hello?.contains("\"tester\"") == true)
                #expect(hello?.hasSuffix("\"127.0.0.1:\(harness.port)\" \"\(upstreamAddress(hello))\"") == true)
            }
        }
    }
}

/// The upstream host field at the end of an access log line (whatever port the test upstream got).
private func upstreamAddress(_ line: String?) -> String {
    guard let line, let start = line.range(of: "\"127.0.0.1:", options: .backwards) else { return "?" }
    return String(line[start.lowerBound...].dropFirst().dropLast())
}

/// Keeps every message logged at info or above.
struct RecordingLogHandler: LogHandler {
    let lines: Box<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.update { $0.append("\(event.message)") }
    }
}
