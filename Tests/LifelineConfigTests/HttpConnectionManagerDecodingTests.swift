import LifelineConfig
import LifelineTestSupport
import Testing

@Suite("http_connection_manager: every field, and Envoy's rules with path-named errors")
struct HttpConnectionManagerDecodingTests {
    @Test func everyManagerField() throws {
        let manager = try decodeManager(
            httpConfig(
                managerFields: """
                    codec_type: http2
                    stream_idle_timeout: 0s
                    request_timeout: 30s
                    requestHeadersTimeout: 5s
                    max_request_headers_kb: 96
                    use_remote_address: true
                    xff_num_trusted_hops: 2
                    common_http_protocol_options:
                      idle_timeout: 600s
                      max_connection_duration: 3600s
                      max_stream_duration: 0s
                      headers_with_underscores_action: REJECT_REQUEST
                      max_requests_per_connection: 1000
                    http_protocol_options: {}
                    http2_protocol_options:
                      max_concurrent_streams: 100
                      initial_stream_window_size: 65536
                      initial_connection_window_size: 1048576
                      connection_keepalive:
                        interval: 30s
                        timeout: 5s
                        interval_jitter: { value: 10 }
                        connection_idle_interval: 60s
                    """
            )
        )
        #expect(manager.statPrefix == "ingress_http")
        #expect(manager.codecType == .http2)
        #expect(manager.httpFilterNames == ["envoy.filters.http.router"])
        #expect(manager.streamIdleTimeout?.value == .zero)
        #expect(manager.streamIdleTimeout?.origin.path == "\(managerPath).stream_idle_timeout")
        #expect(manager.requestTimeout?.value == .seconds(30))
        #expect(manager.requestHeadersTimeout?.value == .seconds(5))
        #expect(manager.maxRequestHeadersKb == 96)
        #expect(manager.useRemoteAddress == true)
        #expect(manager.xffNumTrustedHops == 2)
        let common = try #require(manager.common)
        #expect(common.idleTimeout?.value == .seconds(600))
        #expect(common.maxConnectionDuration?.value == .seconds(3600))
        #expect(common.maxStreamDuration?.value == .zero)
        #expect(common.headersWithUnderscoresAction == .rejectRequest)
        #expect(common.maxRequestsPerConnection == 1000)
        let http2 = try #require(manager.http2)
        #expect(http2.maxConcurrentStreams == 100)
        #expect(http2.initialStreamWindowSize == 65536)
        #expect(http2.initialConnectionWindowSize == 1_048_576)
        let keepalive = try #require(http2.keepalive)
        #expect(keepalive.interval == .seconds(30))
        #expect(keepalive.timeout == .seconds(5))
        #expect(keepalive.intervalJitterPercent == 10)
        #expect(keepalive.connectionIdleInterval == .seconds(60))
    }

    @Test(arguments: [("AUTO", HttpConnectionManagerConfig.CodecType.auto), ("http1", .http1), ("2", .http2)])
    func codecTypeByNameOrNumber(_ written: String, _ expected: HttpConnectionManagerConfig.CodecType) throws {
        let manager = try decodeManager(httpConfig(managerFields: "codec_type: \(written)"))
        #expect(manager.codecType == expected)
    }

    @Test func http3IsRejected() {
        expectSingleError(
            httpConfig(managerFields: "codec_type: HTTP3"),
            path: "\(managerPath).codec_type",
            message: "codec_type HTTP3 is not supported by Lifeline, which has no QUIC"
        )
    }

    @Test func unknownAndUnsupportedFieldsAreNamed() {
        expectSingleError(
            httpConfig(managerFields: "stream_idle_timout: 1s"),
            path: "\(managerPath).stream_idle_timout",
            message: "unknown field"
        )
        expectSingleError(
            httpConfig(managerFields: "access_log: []"),
            path: "\(managerPath).access_log",
            message: "Envoy field not supported by Lifeline"
        )
        let rds = decodeErrors(httpConfig(managerFields: "rds: { route_config_name: gateway }"))
        #expect(rds.map(\.path) == ["\(managerPath).rds"])
        #expect(rds.map(\.message) == ["Envoy field not supported by Lifeline"])
    }

    @Test func anHttpFilterOtherThanTheRouterIsNamedAtItsPath() {
        let diagnostics = decodeErrors(
            httpConfig(
                httpFilters: """
                    - name: envoy.filters.http.cors
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
                    \(routerFilter)
                    """
            )
        )
        #expect(diagnostics.map(\.path) == ["\(managerPath).http_filters[0]"])
        #expect(
            diagnostics.map(\.message) == [
                "HTTP filter \"envoy.filters.http.cors\" "
                    + "(type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors) is not supported by Lifeline, "
                    + "which runs only the router (type.googleapis.com/envoy.extensions.filters.http.router.v3.Router)"
            ]
        )
    }

    @Test func theRouterMustComeLastAndBeThere() {
        let twice = decodeErrors(httpConfig(httpFilters: routerFilter + "\n" + routerFilter))
        #expect(twice.map(\.path) == ["\(managerPath).http_filters[0]"])
        #expect(twice.map(\.message) == ["the router ends the HTTP filter chain: it must be the last of http_filters"])
        let empty = decodeErrors(httpConfig(httpFilters: "  []"))
        #expect(empty.map(\.path) == ["\(managerPath).http_filters"])
        #expect(empty.first?.message.hasPrefix("http_filters must end with the router") == true)
        // `http_filters:` with nothing after it is null, as good as absent.
        let absent = decodeErrors(httpConfig(httpFilters: ""))
        #expect(absent.first?.message.hasPrefix("http_connection_manager needs http_filters ending in") == true)
        // The name is free; the @type picks the router.
        let renamed = try? decodeManager(
            httpConfig(httpFilters: routerFilter.replacingFirst("envoy.filters.http.router", with: "my-router"))
        )
        #expect(renamed?.httpFilterNames == ["my-router"])
    }

    @Test func statPrefixIsRequired() {
        expectSingleError(
            httpConfig().replacingFirst("          stat_prefix: ingress_http\n", with: ""),
            path: managerPath,
            message: "http_connection_manager needs a stat_prefix"
        )
    }

    @Test(arguments: [
        ("max_request_headers_kb: 0", "max_request_headers_kb", "0 is out of range 1...8192 (KiB)"),
        ("max_request_headers_kb: 8193", "max_request_headers_kb", "8193 is out of range 1...8192 (KiB)"),
        (
            "http2_protocol_options: { max_concurrent_streams: 0 }", "http2_protocol_options.max_concurrent_streams",
            "0 is out of range 1...2147483647"
        ),
        (
            "http2_protocol_options: { initial_stream_window_size: 65534 }",
            "http2_protocol_options.initial_stream_window_size", "65534 is out of range 65535...2147483647"
        ),
        (
            "http2_protocol_options: { initial_connection_window_size: 2147483648 }",
            "http2_protocol_options.initial_connection_window_size", "2147483648 is out of range 65535...2147483647"
        ),
        (
            "http2_protocol_options: { connection_keepalive: { interval: 10s } }",
            "http2_protocol_options.connection_keepalive",
            "connection_keepalive needs a timeout: how long to wait for any frame after a PING"
        ),
        (
            "http2_protocol_options: { connection_keepalive: { timeout: 1s, interval_jitter: { value: 101 } } }",
            "http2_protocol_options.connection_keepalive.interval_jitter.value", "101 is out of range 0.0...100.0"
        ),
        (
            "common_http_protocol_options: { headers_with_underscores_action: DROP }",
            "common_http_protocol_options.headers_with_underscores_action",
            "unknown headers_with_underscores_action \"DROP\"; expected one of ALLOW, REJECT_REQUEST, DROP_HEADER"
        ),
    ])
    func outOfRangeValues(_ fields: String, _ path: String, _ message: String) {
        expectSingleError(httpConfig(managerFields: fields), path: "\(managerPath).\(path)", message: message)
    }

    @Test func aTcpProxyBeforeTheManagerIsNotLast() {
        let diagnostics = decodeErrors(
            httpConfig().replacingFirst("    - filters:\n", with: "    - filters:\n      - \(tcpProxyFilter)\n")
        )
        #expect(
            diagnostics.map(\.message) == [
                "terminal filter \"envoy.filters.network.tcp_proxy\" must be the last filter in a network filter chain "
                    + "(as Envoy requires)"
            ]
        )
    }
}

private let tcpProxyFilter =
    #"{ name: envoy.filters.network.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: x, cluster: backend } }"#
