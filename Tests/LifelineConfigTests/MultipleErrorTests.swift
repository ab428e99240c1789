import Foundation
import LifelineConfig
import Testing

@Suite("Every error at once, with locations")
struct MultipleErrorTests {
    @Test func threeMistakesGiveThreeErrorsEachWithItsOwnPathAndLine() {
        let diagnostics = decodeErrors(
            """
            static_resources:
              listeners:
              - name: ingress
                address:
                  socket_address: { address: 0.0.0.0, port_value: 8443 }
                socket_options:
                - level: SOL_SOCKET
                  name: SO_KEEPALIVE
                  int_value: 1
                  state: LISTEN
                reuse_port: true
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: ingress
                      cluster: backend
              clusters:
              - name: backend
                connect_timeout: 5
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address: { address: 10.0.0.1, port_value: 8080 }
            """,
            file: "bootstrap.yaml"
        )
        #expect(diagnostics.count == 3)
        #expect(diagnostics.allSatisfy { $0.severity == .error })
        #expect(
            diagnostics.map(\.path) == [
                "static_resources.listeners[0].socket_options[0].state",
                "static_resources.listeners[0].reuse_port",
                "static_resources.clusters[0].connect_timeout",
            ]
        )
        #expect(
            diagnostics.map(\.message) == [
                "unknown state \"LISTEN\"; expected one of STATE_PREBIND, STATE_BOUND, STATE_LISTENING",
                "Envoy field not supported by Lifeline",
                "expected a duration string such as \"1.5s\", found a number",
            ]
        )
        #expect(diagnostics.map { $0.location?.file } == ["bootstrap.yaml", "bootstrap.yaml", "bootstrap.yaml"])
        #expect(diagnostics.map { $0.location?.line } == [10, 11, 21])
        #expect(diagnostics.map { $0.location?.column } == [14, 5, 22])
    }

    @Test func theErrorDescriptionListsEveryDiagnosticOnItsOwnLine() throws {
        let text = singleListenerConfig(listenerFields: "bogus: 1\nenable_reuse_port: 1")
            .replacingFirst("cluster: backend", with: "cluster: elsewhere")
        let error = try #require(throws: ConfigError.self) {
            _ = try Bootstrap.decode(try ConfigLoader.parseDocument(text, file: "gw.yaml"))
        }
        #expect(
            error.description == """
                static_resources.listeners[0].enable_reuse_port: expected true or false, found a number (gw.yaml:7:24)
                static_resources.listeners[0].bogus: unknown field (gw.yaml:6:5)
                static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster: no cluster named \
                "elsewhere" (gw.yaml:14:20)
                """
        )
    }

    @Test func threeMistakesInJSONHaveJSONLocations() {
        let diagnostics = decodeErrors(
            """
            {
              "staticResources": {
                "listeners": [{
                  "name": "a",
                  "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 70000}},
                  "filterChains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy",
                    "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                      "statPrefix": "a", "cluster": "c"}}]}]
                }],
                "clusters": [{"name": "c", "lbPolicy": "MAGLEV", "colour": "blue",
                  "loadAssignment": {"endpoints": [{"lbEndpoints": [{"endpoint": {"address":
                    {"socketAddress": {"address": "10.0.0.1", "portValue": 80}}}}]}]}}]
              }
            }
            """,
            file: "x.json"
        )
        #expect(
            diagnostics.map(\.description) == [
                "staticResources.listeners[0].address.socketAddress.portValue: 70000 is out of range 0...65535 "
                    + "(x.json:5:72)",
                "staticResources.clusters[0].lbPolicy: unknown lb_policy \"MAGLEV\"; expected one of ROUND_ROBIN, "
                    + "RANDOM (x.json:10:44)",
                "staticResources.clusters[0].colour: unknown field (x.json:10:54)",
            ]
        )
    }

    @Test func decodeAndValidationErrorsAreReportedTogether() {
        let diagnostics = decodeErrors(
            """
            static_resources:
              listeners:
              - name: same
                address: { socket_address: { address: localhost, port_value: 1 } }
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: x } }] }]
              - name: same
                address: { socket_address: { address: 127.0.0.1, port_value: 2 } }
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: x } }] }]
              clusters:
              - name: x
                type: STRICT_DNS
                load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address:
                  { address: x.internal, port_value: 9 } } } }] }] }
                circuit_breakers: {}
            """
        )
        #expect(
            diagnostics.map(\.path) == [
                "static_resources.clusters[0].circuit_breakers",
                "static_resources.listeners[1]",
                "static_resources.listeners[0].address.socket_address.address",
            ]
        )
        #expect(diagnostics.map { $0.location?.line } == [14, 6, 4])
    }

    @Test func yamlSyntaxErrorHasALine() {
        let diagnostics = decodeErrors(
            """
            static_resources:
              listeners:
              - name: a
                address: { socket_address: { address: 0.0.0.0, port_value: 1 }
                filter_chains: []
            """,
            file: "broken.yaml"
        )
        #expect(diagnostics.count == 1)
        let diagnostic = diagnostics.first
        #expect(diagnostic?.path == "")
        #expect(diagnostic?.message.hasPrefix("syntax error: ") == true)
        #expect(diagnostic?.message.contains("flow mapping") == true)
        #expect(diagnostic?.location?.file == "broken.yaml")
        #expect(diagnostic?.location?.line == 5)
    }

    @Test func jsonSyntaxErrorHasALine() {
        let diagnostics = decodeErrors("{\n  \"admin\": {}\n  \"static_resources\": {}\n}\n", file: "broken.json")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.path == "")
        #expect(diagnostics.first?.message.hasPrefix("syntax error: ") == true)
        #expect(diagnostics.first?.location?.file == "broken.json")
        #expect(diagnostics.first?.location?.line == 3)
    }

    @Test(arguments: [
        ("", "x.yaml is empty"),
        ("a: 1\n---\nb: 2\n", "x.yaml holds 2 documents; a bootstrap config is one document"),
    ])
    func documentCount(_ text: String, _ message: String) {
        #expect(decodeErrors(text).map(\.description) == [message])
    }

    @Test func yamlAnchorsAndAliasesAreExpanded() throws {
        let tree = try ConfigLoader.parseDocument("a: &port { port_value: 1 }\nb: *port\n")
        #expect(tree["b"] == tree["a"])
        #expect(tree["b"]?.description == #"{"port_value":1}"#)
    }

    @Test func duplicateKeysAreRejected() {
        let diagnostics = decodeErrors("admin: {}\nadmin: {}\n")
        #expect(diagnostics.map(\.message) == ["duplicate key admin in one mapping"])
        #expect(diagnostics.first?.location?.file == "x.yaml")
    }

    @Test func loadReadsAFileAndNamesItInLocations() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-\(UUID()).yaml").path
        try singleListenerConfig(listenerFields: "bogus: true").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ConfigError.self) { _ = try Bootstrap.load(path: path) }
        #expect(error.diagnostics.map(\.path) == ["static_resources.listeners[0].bogus"])
        #expect(error.diagnostics.first?.location?.file == path)
        #expect(error.diagnostics.first?.location?.line == 6)
    }

    @Test func loadingAMissingFile() {
        let error = #expect(throws: ConfigError.self) {
            _ = try Bootstrap.load(path: "/nonexistent/lifeline.yaml")
        }
        #expect(error?.diagnostics.count == 1)
        #expect(error?.diagnostics.first?.path == "")
        #expect(
            error?.diagnostics.first?.message
                == "cannot read config file /nonexistent/lifeline.yaml: No such file or directory"
        )
    }

    @Test func theUnreadableFileIsNamedAsTheCallerCallsIt() {
        let error = #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.loadDocuments(path: "/nonexistent/filter.yaml", noun: "EnvoyFilter file")
        }
        #expect(
            error?.diagnostics.map(\.message) == [
                "cannot read EnvoyFilter file /nonexistent/filter.yaml: No such file or directory"
            ]
        )
    }

    @Test func diagnosticDescriptions() {
        let location = LifelineConfig.SourceLocation(file: "b.yaml", line: 12, column: 9)
        #expect(location.description == "b.yaml:12:9")
        #expect(
            ConfigDiagnostic(path: "a.b", message: "bad", location: location).description == "a.b: bad (b.yaml:12:9)"
        )
        #expect(ConfigDiagnostic(path: "", message: "bad").description == "bad")
        #expect(ConfigDiagnostic(severity: .warning, path: "a", message: "odd").description == "warning: a: odd")
        let origin = ConfigOrigin(path: "static_resources.listeners[0]", location: location)
        #expect(origin.diagnostic("oops") == ConfigDiagnostic(path: origin.path, message: "oops", location: location))
    }

    @Test func configPathPrinting() {
        let path = ConfigPath.root.appending("static_resources").appending("listeners").appending(index: 0)
            .appending("socket_options").appending(index: 2).appending("state")
        #expect(path.description == "static_resources.listeners[0].socket_options[2].state")
        #expect(ConfigPath.root.description == "")
        #expect(ConfigPath.root.appending(index: 3).description == "[3]")
    }
}
