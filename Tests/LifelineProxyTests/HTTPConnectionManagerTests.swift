import Foundation
import LifelinePlan
import LifelineProxy
import NIOCore
import NIOHTTP1
import Testing

extension LiveProxyTests {
    /// The connection manager with real clients (curl) and a real upstream: routing, local replies, header rules and
    /// failures, as a user of the gateway sees them.
    @Suite struct HTTPConnectionManagerTests {
        static let routes: [RoutePlan] =
            [
                RoutePlan(
                    match: RouteMatchPlan(path: .path("/direct")),
                    action: .directResponse(DirectResponsePlan(status: 418, body: Array("teapot".utf8))),
                    origin: HTTPPlans.origin
                ),
                RoutePlan(
                    match: RouteMatchPlan(path: .prefix("/old/")),
                    action: .redirect(RedirectPlan(scheme: "https", prefixRewrite: "/new/", responseCode: 308)),
                    origin: HTTPPlans.origin
                ),
                HTTPPlans.route(prefix: "/dead", cluster: "dead"),
                HTTPPlans.route(prefix: "/empty", cluster: "empty"),
                HTTPPlans.route(prefix: "/missing", cluster: "no-such-cluster"),
                HTTPPlans.route(prefix: "/hang", timeout: .milliseconds(500)),
                HTTPPlans.route(prefix: "/api/", prefixRewrite: "/headers/", hostRewrite: "rewritten.test"),
            ]
            + ["/headers", "/echo", "/hello", "/close", "/half", "/big", "/trailers"].map { prefix in
                HTTPPlans.route(
                    prefix: prefix,
                    headers: HeaderMutationPlan(
                        requestHeadersToAdd: [HeaderValueOptionPlan(name: "x-route", value: "yes")],
                        responseHeadersToAdd: [HeaderValueOptionPlan(name: "x-response-route", value: "added")],
                        responseHeadersToRemove: ["x-upstream"]
                    )
                )
            }

        static var manager: HttpConnectionManagerPlan {
            HTTPPlans.manager(routes: routes) {
                $0.useRemoteAddress = true
                $0.maxRequestHeadersKb = 4
            }
        }

        private func url(_ harness: HTTPGatewayHarness, _ path: String) -> String {
            "http://127.0.0.1:\(harness.port)\(path)"
        }

        @Test func aRequestIsRoutedWithEnvoysHeaderRules() async throws {
            try await withHTTPGateway(Self.manager) { harness, upstream, _ in
                let response = try curl([
                    "--http1.1", "-H", "Connection: keep-alive, x-private", "-H", "x-private: 1",
                    "-H", "x-forwarded-for: 198.51.100.9", url(harness, "/headers/a?b=c"),
                ])
                #expect(response.status == 200)
                let lines = response.body.split(separator: "\n").map(String.init)
                #expect(lines.first == "GET /headers/a?b=c")
                #expect(lines.contains("x-route: yes"))
                #expect(lines.contains("x-forwarded-proto: http"))
                #expect(lines.contains("x-forwarded-for: 198.51.100.9, 127.0.0.1"))
                #expect(lines.contains { $0.hasPrefix("x-request-id: ") && $0.count == "x-request-id: ".count + 36 })
                #expect(lines.contains("host: 127.0.0.1:\(harness.port)"))
                #expect(!lines.contains { $0.hasPrefix("x-private") || $0.hasPrefix("connection") })
                #expect(response.header("x-response-route") == "added")
                #expect(response.header("x-upstream") == nil)
                #expect(response.header("server") == nil)
                #expect(harness.stats[.downstreamRequestsTotal] == 1)
                #expect(harness.stats[.downstreamRequests2xx] == 1)
                #expect(harness.stats[.downstreamHTTP1Total] == 1)
                #expect(harness.stats[.downstreamBytesReceived] > 0)
                #expect(harness.stats[.downstreamBytesSent] > response.body.utf8.count)
                #expect(upstream.seen.value.count == 1)
                // curl closes first: the connection is counted closed by the peer, not by the gateway.
                #expect(await eventually { harness.stats[.downstreamClosedByRemote] == 1 })
                #expect(harness.stats[.downstreamClosedLocally] == 0)
            }
        }

        @Test func prefixAndHostRewrite() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let response = try curl(["--http1.1", url(harness, "/api/x?y=1")])
                let lines = response.body.split(separator: "\n").map(String.init)
                #expect(lines.first == "GET /headers/x?y=1")
                #expect(lines.contains("host: rewritten.test"))
            }
        }

        @Test func noRouteIs404WithAnEmptyBody() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let response = try curl(["--http1.1", url(harness, "/nowhere")])
                #expect(response.status == 404)
                #expect(response.body.isEmpty)
                #expect(harness.stats[.noRoute] == 1)
                #expect(harness.stats[.downstreamRequests4xx] == 1)
            }
        }

        @Test func directResponsesAndRedirects() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let direct = try curl(["--http1.1", url(harness, "/direct")])
                #expect(direct.status == 418)
                #expect(direct.body == "teapot")
                let redirect = try curl(["--http1.1", "-H", "Host: gateway.test", url(harness, "/old/page?x=1")])
                #expect(redirect.status == 308)
                #expect(redirect.header("location") == "https://gateway.test/new/page?x=1")
            }
        }

        @Test func connectFailureIs503WithEnvoysText() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let dead = try curl(["--http1.1", url(harness, "/dead")])
                #expect(dead.status == 503)
                // Envoy 1.40's reason for a refused connect (a connect timeout is "connection timeout").
                let reason = "reset reason: remote connection failure"
                #expect(dead.body == "upstream connect error or disconnect/reset before headers. \(reason)")
                let empty = try curl(["--http1.1", url(harness, "/empty")])
                #expect(empty.status == 503)
                #expect(empty.body == "no healthy upstream")
                let missing = try curl(["--http1.1", url(harness, "/missing")])
                #expect(missing.status == 503)
                #expect(harness.stats[.downstreamRequests5xx] == 3)
            }
        }

        @Test func anUpstreamThatClosesBeforeAnsweringIs503AndOneThatResetsMidResponseCutsTheDownstream()
            async throws
        {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let closed = try curl(["--http1.1", url(harness, "/close")])
                #expect(closed.status == 503)
                #expect(closed.body.hasSuffix("reset reason: connection termination"))
                let half = try curl(["--http1.1", url(harness, "/half")])
                #expect(half.status == 200)
                #expect(half.exitStatus != 0)  // curl: the transfer was cut short
            }
        }

        @Test func theRouteTimeoutIs504() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let started = ContinuousClock.now
                let response = try curl(["--http1.1", url(harness, "/hang")])
                #expect(response.status == 504)
                #expect(response.body == "upstream request timeout")
                #expect(ContinuousClock.now - started < .seconds(5))
                #expect(harness.stats[.upstreamRequestTimeout] == 1)
            }
        }

        @Test func aGrpcRequestToADeadClusterGetsATrailersOnlyResponse() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let response = try curl([
                    "--http2-prior-knowledge", "-X", "POST", "-H", "content-type: application/grpc",
                    "-H", "te: trailers", "--data-binary", "x", url(harness, "/dead/svc.Method"),
                ])
                #expect(response.status == 200)
                #expect(response.header("grpc-status") == "14")
                #expect(response.header("content-type") == "application/grpc")
                #expect(response.header("grpc-message")?.hasPrefix("upstream connect error") == true)
                // No body: what curl prints after the head are the trailers, which repeat the status for clients that
                // read it there.
                let rest = response.body.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }
                #expect(rest.allSatisfy { $0.hasPrefix("grpc-status") || $0.hasPrefix("grpc-message") })
            }
        }

        @Test func h2cWithPriorKnowledgeAndHTTP1OnOneListener() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, _ in
                let h2 = try curl(["--http2-prior-knowledge", url(harness, "/hello")])
                #expect(h2.status == 200)
                #expect(h2.body == "hello from upstream")
                let h1 = try curl(["--http1.1", url(harness, "/hello")])
                #expect(h1.body == "hello from upstream")
                #expect(harness.stats[.downstreamHTTP2Total] == 1)
                #expect(harness.stats[.downstreamHTTP1Total] == 1)
            }
        }

        @Test func keepAliveAndExpectContinue() async throws {
            try await withHTTPGateway(Self.manager) { harness, upstream, _ in
                let body = Data(repeating: UInt8(ascii: "a"), count: 2000)
                let response = try curl(
                    [
                        "--http1.1", "-H", "Expect: 100-continue", "--data-binary", "@-",
                        url(harness, "/echo"), "--next", "--http1.1", url(harness, "/hello"),
                    ],
                    input: body
                )
                #expect(response.status == 200)
                // curl prints both exchanges: the echo (and its trailer), then the second response.
                #expect(response.body.contains(String(repeating: "a", count: 2000) + "x-echo-bytes: 2000"))
                #expect(response.body.hasSuffix("hello from upstream"))
                // Both requests went over one downstream connection; the upstream never saw the expectation.
                #expect(harness.stats[.downstreamConnectionsTotal] == 1)
                #expect(upstream.seen.value.allSatisfy { !$0.headers.contains(name: "expect") })
            }
        }

        @Test func malformedRequestsAreAnsweredAndClosed() async throws {
            try await withHTTPGateway(Self.manager) { harness, _, group in
                let conflicting = try await rawExchange(
                    port: harness.port,
                    group: group,
                    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"
                )
                #expect(conflicting.hasPrefix("HTTP/1.1 400"))
                let huge = String(repeating: "h", count: 6000)
                let oversized = try await rawExchange(
                    port: harness.port,
                    group: group,
                    "GET / HTTP/1.1\r\nHost: a\r\nx-big: \(huge)\r\n\r\n"
                )
                #expect(oversized.hasPrefix("HTTP/1.1 431"))
                let garbage = try await rawExchange(
                    port: harness.port,
                    group: group,
                    "\u{1}\u{2}\u{3} nonsense\r\n\r\n"
                )
                #expect(garbage.hasPrefix("HTTP/1.1 400"))
                #expect(harness.stats[.downstreamProtocolError] == 3)
            }
        }
    }
}

/// Sends `text` on a new connection, then reads until the gateway closes it (at most 10 s).
func rawExchange(port: Int, group: any EventLoopGroup, _ text: String) async throws -> String {
    try await withDeadline(seconds: 10) {
        let client = try await connectClient(port: port, group: group)
        return try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            let (all, _) = await readAll(inbound)
            return String(buffer: all)
        }
    }
}
