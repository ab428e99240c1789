import NIOCore
import NIOPosix
import Testing

@testable import LifelineProxy

/// The absolute form of a request target (`GET http://host/path`, what `curl -x` sends) is routed as Envoy routes
/// it: the URL's path through the routes, its authority as the host — never to the host in the URL.
@Suite struct HTTPRequestTargetTests {
    @Test func readsTheFormsEnvoyReads() {
        #expect(HTTPRequestTarget(uri: "/a?b", isConnect: false) == .asReceived)
        #expect(HTTPRequestTarget(uri: "*", isConnect: false) == .asReceived)
        #expect(HTTPRequestTarget(uri: "h.test:443", isConnect: true) == .asReceived)
        #expect(
            HTTPRequestTarget(uri: "http://h.test:8080/a/b?c", isConnect: false)
                == .absolute(authority: "h.test:8080", path: "/a/b?c")
        )
        #expect(HTTPRequestTarget(uri: "HTTPS://h.test", isConnect: false) == .absolute(authority: "h.test", path: "/"))
        #expect(
            HTTPRequestTarget(uri: "http://h.test?q=1", isConnect: false)
                == .absolute(authority: "h.test", path: "?q=1")
        )
        #expect(
            HTTPRequestTarget(uri: "http://u:p@h.test/x", isConnect: false)
                == .absolute(authority: "h.test", path: "/x")
        )
        #expect(HTTPRequestTarget(uri: "ftp://h.test/x", isConnect: false) == .invalid)
        #expect(HTTPRequestTarget(uri: "http:///x", isConnect: false) == .invalid)
        #expect(HTTPRequestTarget(uri: "h.test/x", isConnect: false) == .invalid)
    }

    /// Before: the absolute form was matched against the routes as it came (`http://…` matches no prefix `/`) and
    /// answered 404 where Envoy forwards it.
    @Test func anAbsoluteFormRequestGoesToTheRoutesClusterWithTheURLsAuthority() async throws {
        try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, _, group in
            let absolute = try await exchange(
                "GET http://elsewhere.test:9/headers?x=1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
                port: harness.port,
                group: group
            )
            #expect(absolute.hasPrefix("HTTP/1.1 200"), "\(absolute)")
            #expect(absolute.contains("GET /headers?x=1\n"), "\(absolute)")
            #expect(absolute.contains("host: elsewhere.test:9\n"), "\(absolute)")
            let invalid = try await exchange(
                "GET ftp://a.test/x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
                port: harness.port,
                group: group
            )
            #expect(invalid.hasPrefix("HTTP/1.1 400"), "\(invalid)")
            #expect(invalid.lowercased().contains("connection: close"), "\(invalid)")
        }
    }

    private func exchange(_ request: String, port: Int, group: any EventLoopGroup) async throws -> String {
        try await withDeadline(seconds: 10) {
            let client = try await connectClient(port: port, group: group)
            return try await client.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: request))
                return String(buffer: await readAll(inbound).0)
            }
        }
    }
}
