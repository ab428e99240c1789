import LifelineConfig
import LifelineTestSupport
import Testing

@Suite("Cluster HTTP protocol options: typed_extension_protocol_options and the deprecated http2_protocol_options")
struct ClusterHttpOptionsDecodingTests {
    private func backend(_ fields: String) throws -> ClusterConfig {
        try #require(try decodeBootstrap(httpConfig(clusterFields: fields)).clusters.first)
    }

    @Test func http2ThroughTheExtension() throws {
        let cluster = try backend(
            """
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                common_http_protocol_options: { idle_timeout: 30s, max_requests_per_connection: 100 }
                explicit_http_config:
                  http2_protocol_options:
                    max_concurrent_streams: 50
                    connection_keepalive: { interval: 20s, timeout: 2s }
            """
        )
        let options = try #require(cluster.httpProtocolOptions)
        #expect(options.http2?.maxConcurrentStreams == 50)
        #expect(options.http2?.keepalive?.interval == .seconds(20))
        #expect(options.common?.idleTimeout?.value == .seconds(30))
        #expect(options.common?.maxRequestsPerConnection == 100)
        #expect(
            options.origin.path
                == "static_resources.clusters[0].typed_extension_protocol_options."
                + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
        )
    }

    @Test func http1ThroughTheExtension() throws {
        let cluster = try backend(
            """
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: { http_protocol_options: {} }
            """
        )
        #expect(cluster.httpProtocolOptions != nil)
        #expect(cluster.httpProtocolOptions?.http2 == nil)
    }

    @Test func theDeprecatedClusterFieldIsReadWithAWarning() throws {
        let (bootstrap, warnings) = try decodeWithWarnings(
            httpConfig(clusterFields: "http2_protocol_options: { max_concurrent_streams: 7 }")
        )
        #expect(bootstrap.clusters.first?.httpProtocolOptions?.http2?.maxConcurrentStreams == 7)
        #expect(warnings.map(\.path) == ["static_resources.clusters[0].http2_protocol_options"])
    }

    @Test func withTheExtensionTheDeprecatedFieldIsIgnored() throws {
        // Envoy 1.40 accepts both.
        let (bootstrap, warnings) = try decodeWithWarnings(
            httpConfig(
                clusterFields: """
                    http2_protocol_options: { max_concurrent_streams: 7 }
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http_protocol_options: {} }
                    """
            )
        )
        let options = try #require(bootstrap.clusters.first?.httpProtocolOptions)
        #expect(options.http2 == nil)
        #expect(warnings.map(\.path) == ["static_resources.clusters[0].http2_protocol_options"])
    }

    @Test func anUnknownExtensionOrNoExplicitConfigIsAnError() {
        expectSingleError(
            httpConfig(
                clusterFields:
                    "typed_extension_protocol_options: { foo: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions } }"
            ),
            path: "static_resources.clusters[0].typed_extension_protocol_options.foo",
            message: "protocol options \"foo\" are not supported by Lifeline, which reads "
                + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
        )
        expectSingleError(
            httpConfig(
                clusterFields:
                    "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions } }"
            ),
            path: "static_resources.clusters[0].typed_extension_protocol_options."
                + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            message: "HttpProtocolOptions needs explicit_http_config with http_protocol_options (HTTP/1.1) or "
                + "http2_protocol_options (HTTP/2)"
        )
    }
}
