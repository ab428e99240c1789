import Foundation
import LifelineConfig
import LifelinePlan
import LifelineSocket
import LifelineTestSupport
import Testing

private let routes = "\(managerPath).route_config.virtual_hosts[0].routes"

@Suite("explain and check for HTTP: keepalive, the limits long-lived streams meet, and where each came from")
struct HttpExplainTests {
    @Test func envoysDefaultRouteTimeoutWarns() throws {
        let explanation = HttpStreamExplanation(plan: try planConfig(httpGateway()))
        let route = try #require(explanation.chains.first?.routes.first)
        #expect(route.timeout.value == .seconds(15))
        #expect(route.timeout.source == "Envoy's default")
        #expect(route.silence.value == .seconds(300))
        #expect(!route.grpcMatch)
        #expect(
            route.warnings == [
                "route.timeout 15 s (Envoy's default) ends a long-lived stream (gRPC or not) whose response has not "
                    + "finished 15 s after the request ended (server streaming: 15 s after it began); set "
                    + "\(routes)[0].route.timeout to 0s to turn it off"
            ]
        )
        #expect(explanation.chains.first?.warnings == [])
    }

    @Test func istioStyleZeroTimeoutsDoNotWarn() throws {
        let explanation = HttpStreamExplanation(
            plan: try planConfig(
                httpGateway(
                    manager: "stream_idle_timeout: 0s",
                    routes: """
                        - match: { prefix: /, grpc: {} }
                          route: { cluster: grpc, timeout: 0s }
                        """
                )
            )
        )
        #expect(explanation.warnings.isEmpty)
        let route = try #require(explanation.chains.first?.routes.first)
        #expect(route.grpcMatch)
        #expect(route.timeout.value == nil)
        #expect(route.timeout.source == "\(routes)[0].route.timeout")
        #expect(route.silence.value == nil)
        #expect(route.silence.source == "\(managerPath).stream_idle_timeout")
        let text = explanation.text
        #expect(text.contains("route app/routes[0] (prefix /, grpc; to grpc) [gRPC route]"))
        #expect(text.contains("no limit on a stream's silence"))
        #expect(!text.contains("WARNING"))
    }

    @Test func everyLimitThatCutsAStreamNamesItsField() throws {
        let explanation = HttpStreamExplanation(
            plan: try planConfig(
                httpGateway(
                    manager: """
                        request_timeout: 60s
                        common_http_protocol_options: { max_connection_duration: 3600s, max_stream_duration: 600s }
                        http2_protocol_options: { connection_keepalive: { interval: 20s, timeout: 10s } }
                        """,
                    routes: """
                        - name: stream
                          match: { prefix: /stream, grpc: {} }
                          route: { cluster: grpc, timeout: 0s, idle_timeout: 90s, max_stream_duration: { max_stream_duration: 120s, grpc_timeout_header_max: 0s } }
                        - match: { prefix: / }
                          route: { cluster: backend, timeout: 0s }
                        """
                )
            )
        )
        let chain = try #require(explanation.chains.first)
        #expect(chain.listener == "web")
        #expect(chain.chain == "http")
        #expect(chain.keepalive?.interval == .seconds(20))
        #expect(chain.warnings.count == 2)
        #expect(chain.warnings[0].contains("set \(managerPath).common_http_protocol_options.max_connection_duration"))
        #expect(chain.warnings[1].contains("set \(managerPath).request_timeout"))
        let stream = chain.routes[0]
        #expect(stream.label == "app/stream")
        #expect(stream.silence.value == .seconds(90))
        #expect(stream.silence.source == "\(routes)[0].route.idle_timeout")
        #expect(
            stream.warnings == [
                "max_stream_duration 120 s (from \(routes)[0].route.max_stream_duration.max_stream_duration) resets "
                    + "a gRPC stream (this route matches grpc) after that long; set "
                    + "\(routes)[0].route.max_stream_duration.max_stream_duration to 0s (or remove it)"
            ]
        )
        #expect(stream.notes.count == 1)
        #expect(stream.notes.first?.hasPrefix("a request's grpc-timeout header (uncapped; from ") == true)
        #expect(chain.routes[1].notes.isEmpty)
        // Without its own, a route meets the connection manager's max_stream_duration.
        #expect(chain.routes[1].maxStreamDuration.value == .seconds(600))
        #expect(
            chain.routes[1].maxStreamDuration.field
                == "\(managerPath).common_http_protocol_options.max_stream_duration"
        )
        let text = explanation.text
        #expect(
            text.contains(
                "HTTP/2 keepalive         a PING every 20 s (+ up to 15% jitter); closed when nothing arrives within "
                    + "10 s of a PING"
            )
        )
        #expect(text.contains("at most 30 s (plus jitter) in all"))
        #expect(text.contains("silence limit            90 s (from \(routes)[0].route.idle_timeout)"))
    }

    @Test func keepaliveExplanationCarriesTheHttpPart() throws {
        let plan = try planConfig(httpGateway())
        let explanation = KeepaliveExplanation(plan: plan, kernel: KernelKeepalive(time: 7200, interval: 75, probes: 9))
        #expect(explanation.text.contains("http_connection_manager: listener web, chain http (codec AUTO)"))
        #expect(explanation.text.contains("HTTP/2 keepalive         none"))
        #expect(explanation.tree.jsonText.contains("\"http\""))
        let tcp = KeepaliveExplanation(
            plan: GatewayPlan(listeners: [], clusters: []),
            kernel: KernelKeepalive(time: 7200, interval: 75, probes: 9)
        )
        #expect(tcp.http.chains.isEmpty)
    }

    @Test func checkTracesEveryTimeoutToDefaultOrPath() throws {
        let plan = try planConfig(
            httpGateway(
                manager: "stream_idle_timeout: 60s\ncodec_type: HTTP2",
                routes: """
                    - match: { prefix: /, headers: [{ name: x-env, exact_match: prod }] }
                      route: { cluster: backend, timeout: 30s }
                    """
            )
        )
        // One line, no space after a key's colon.
        let json = plan.summary(eventLoops: 1).jsonText
            .replacingOccurrences(of: #"\n\s*"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "\": ", with: "\":")
        let chain = try #require(plan.listeners.first?.filterChains.first)
        #expect(chain.httpConnectionManager != nil)
        for expected in [
            #""codec_type":{"value":"HTTP2","source":"\#(managerPath).codec_type"}"#,
            #""stream_idle_timeout":{"value":"60s","source":"\#(managerPath).stream_idle_timeout"}"#,
            #""request_timeout":{"value":"disabled","source":"default"}"#,
            #""idle_timeout":{"value":"3600s","source":"default"}"#,
            #""match":"prefix /, header x-env exact \"prod\"""#,
            #""cluster":"backend""#,
            #""timeout":{"value":"30s","source":"\#(routes)[0].route.timeout"}"#,
            #""connection_keepalive":"none""#,
        ] {
            #expect(json.contains(expected), "\(expected) not in \(json)")
        }
        #expect(!json.contains("\"tcp_proxy\""))
    }
}
