import Foundation
import LifelinePlan
import NIOCore
import NIOHTTP1
import Testing

@testable import LifelineProxy

/// Envoy's header rules, local replies and codec choice, as pure functions.
@Suite struct HTTPHeaderRulesTests {
    private let downstream = HTTPHeaderRules.Downstream(
        scheme: "http",
        remoteAddress: try! SocketAddress(ipAddress: "192.0.2.7", port: 5555),
        localAddress: nil,
        protocolName: "HTTP/1.1"
    )

    @Test func hopByHopHeadersAreRemovedButChunkedFramingAndTeTrailersStay() {
        var headers = HTTPHeaders([
            ("Connection", "keep-alive, x-private"), ("x-private", "1"), ("keep-alive", "timeout=5"),
            ("proxy-connection", "keep-alive"), ("upgrade", "websocket"), ("te", "trailers"),
            ("transfer-encoding", "chunked"), ("x-kept", "yes"),
        ])
        HTTPHeaderRules.removeHopByHop(&headers)
        #expect(headers.map(\.name).sorted() == ["te", "transfer-encoding", "x-kept"])
        #expect(headers.first(name: "te") == "trailers")
    }

    @Test func forwardingHeaders() {
        var headers = HTTPHeaders([("x-forwarded-for", "198.51.100.1")])
        HTTPHeaderRules.addForwardingHeaders(
            &headers,
            downstream: downstream,
            useRemoteAddress: true,
            requestID: { "id-1" }
        )
        #expect(headers.first(name: "x-forwarded-for") == "198.51.100.1, 192.0.2.7")
        #expect(headers.first(name: "x-forwarded-proto") == "http")
        #expect(headers.first(name: "x-request-id") == "id-1")
    }

    @Test func requestIDsAreVersion4UUIDs() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = HTTPHeaderRules.requestID()
            let characters = Array(id)
            #expect(id.count == 36)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            #expect([8, 13, 18, 23].allSatisfy { characters[$0] == "-" })
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(UUID(uuidString: id) != nil)
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }

    @Test func mutationsRunMostSpecificFirstSoTheConfigurationOverwriteWins() {
        var headers = HTTPHeaders([("x-old", "1")])
        let route = HeaderMutationPlan(
            requestHeadersToAdd: [HeaderValueOptionPlan(name: "x-level", value: "route")],
            requestHeadersToRemove: ["x-old"]
        )
        let configuration = HeaderMutationPlan(requestHeadersToAdd: [
            HeaderValueOptionPlan(name: "x-level", value: "configuration", appendAction: .overwriteIfExistsOrAdd),
            HeaderValueOptionPlan(name: "x-client", value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"),
            HeaderValueOptionPlan(name: "x-absent", value: "no", appendAction: .overwriteIfExists),
        ])
        HTTPHeaderRules.apply([route, configuration], toRequest: &headers, downstream: downstream)
        #expect(headers["x-level"] == ["configuration"])
        #expect(headers.first(name: "x-client") == "192.0.2.7")
        #expect(!headers.contains(name: "x-old"))
        #expect(!headers.contains(name: "x-absent"))
    }

    @Test func prefixRewriteReplacesTheMatchedPrefixAndKeepsTheQuery() {
        #expect(
            HTTPHeaderRules.rewrite(path: "/api/v1/x?y=1", match: .prefix("/api/"), prefixRewrite: "/") == "/v1/x?y=1"
        )
        #expect(HTTPHeaderRules.rewrite(path: "/old?q", match: .path("/old"), prefixRewrite: "/new") == "/new?q")
    }

    @Test func redirectsAreBuiltLikeEnvoys() {
        let https = RedirectPlan(scheme: "https")
        #expect(
            HTTPHeaderRules.redirectLocation(
                https,
                match: .prefix("/"),
                scheme: "http",
                authority: "a.test:80",
                path: "/p?q"
            )
                == "https://a.test/p?q"
        )
        let moved = RedirectPlan(host: "b.test", path: "/new", responseCode: 302, stripQuery: true)
        #expect(
            HTTPHeaderRules.redirectLocation(
                moved,
                match: .prefix("/"),
                scheme: "http",
                authority: "a.test:8080",
                path: "/p?q"
            )
                == "http://b.test:8080/new"
        )
        let prefix = RedirectPlan(port: 8443, prefixRewrite: "/v2/")
        #expect(
            HTTPHeaderRules.redirectLocation(
                prefix,
                match: .prefix("/v1/"),
                scheme: "https",
                authority: "a.test",
                path: "/v1/x"
            )
                == "https://a.test:8443/v2/x"
        )
    }

    @Test func grpcLocalRepliesAreTrailersOnlyWithEnvoysStatusMapping() {
        #expect(HTTPLocalReply.grpcStatus(forHTTP: 503) == 14)
        #expect(HTTPLocalReply.grpcStatus(forHTTP: 404) == 12)
        #expect(HTTPLocalReply.grpcStatus(forHTTP: 401) == 16)
        #expect(HTTPLocalReply.grpcStatus(forHTTP: 403) == 7)
        #expect(HTTPLocalReply.grpcStatus(forHTTP: 400) == 13)
        #expect(HTTPLocalReply.grpcStatus(forHTTP: 500) == 2)
        let (head, body) = HTTPLocalReply.connectFailure.response(version: .http2, grpc: true, close: false)
        #expect(head.status == .ok)
        #expect(body == nil)
        #expect(head.headers.first(name: "grpc-status") == "14")
        #expect(head.headers.first(name: "content-type") == "application/grpc")
        #expect(head.headers.first(name: "grpc-message")?.hasPrefix("upstream connect error") == true)
        let (deadline, _) = HTTPLocalReply.durationTimeout(requestComplete: true)
            .response(version: .http2, grpc: true, close: false)
        #expect(deadline.headers.first(name: "grpc-status") == "4")
    }

    @Test func grpcTimeoutHeaders() {
        #expect(HTTPActiveStream.grpcTimeout("100m") == .milliseconds(100))
        #expect(HTTPActiveStream.grpcTimeout("2S") == .seconds(2))
        #expect(HTTPActiveStream.grpcTimeout("1H") == .seconds(3600))
        #expect(HTTPActiveStream.grpcTimeout("123456789S") == nil)
        #expect(HTTPActiveStream.grpcTimeout("5x") == nil)
    }

    @Test func theCodecIsToldByThePreface() {
        let preface = ByteBuffer(bytes: HTTPCodecSniffer.preface)
        #expect(HTTPCodecSniffer.verdict(preface) == .http2)
        #expect(HTTPCodecSniffer.verdict(ByteBuffer(string: "PRI * HT")) == .undecided)
        #expect(HTTPCodecSniffer.verdict(ByteBuffer(string: "GET / HTTP/1.1\r\n")) == .http1)
        #expect(HTTPCodecSniffer.verdict(ByteBuffer(string: "P")) == .undecided)
        #expect(HTTPCodecSniffer.verdict(ByteBuffer(string: "POST /")) == .http1)
    }
}
