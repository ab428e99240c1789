import Foundation
import LifelinePlan
import Testing

@Suite("explain for clusters spoken to in HTTP/2: the PINGs on their connections")
struct HttpUpstreamExplainTests {
    static let http2 = """
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
            explicit_http_config: { http2_protocol_options: KEEPALIVE }
        """

    @Test func aSilentClusterGetsLifelinesDefaultThatGrpcServersAccept() throws {
        let plan = try planConfig(
            httpGateway(clusterFields: Self.http2.replacingOccurrences(of: "KEEPALIVE", with: "{}"))
        )
        let explanation = HttpStreamExplanation(plan: plan)
        let upstream = try #require(explanation.upstreams.first)
        #expect(explanation.upstreams.map(\.cluster) == ["backend"])
        #expect(upstream.source == nil)
        #expect(upstream.keepalive == UpstreamHttpPlan.defaultLifelineHttp2Keepalive)
        #expect(explanation.text.contains("cluster backend (upstream HTTP/2)"))
        #expect(explanation.text.contains("Lifeline's default (connection_keepalive silent): a PING only after 300 s"))
        #expect(!explanation.text.contains("WARNING: PINGs"))
    }

    @Test func anEagerConfiguredKeepaliveIsShownWithAWarning() throws {
        let keepalive = "{ connection_keepalive: { interval: 10s, timeout: 5s } }"
        let plan = try planConfig(
            httpGateway(clusterFields: Self.http2.replacingOccurrences(of: "KEEPALIVE", with: keepalive))
        )
        let explanation = HttpStreamExplanation(plan: plan)
        let upstream = try #require(explanation.upstreams.first)
        #expect(upstream.keepalive.interval == .seconds(10))
        #expect(upstream.source?.hasSuffix("connection_keepalive") == true)
        #expect(explanation.text.contains("a PING every 10 s; closed when nothing arrives within 5 s of a PING"))
        #expect(explanation.text.contains("WARNING: PINGs more often than every 300 s earn a GOAWAY too_many_pings"))
    }

    @Test func anHTTP1ClusterIsNotListed() throws {
        #expect(HttpStreamExplanation(plan: try planConfig(httpGateway())).upstreams.isEmpty)
    }
}
