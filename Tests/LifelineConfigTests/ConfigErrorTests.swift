import LifelineConfig
import Testing

@Suite("Field errors: each names its exact path")
struct ConfigErrorTests {
    @Test func unknownField() {
        expectSingleError(
            singleListenerConfig(listenerFields: "bogus: 1"),
            path: "static_resources.listeners[0].bogus",
            message: "unknown field",
            line: 6
        )
    }

    @Test(arguments: [
        ("node: { id: gw }", "node"),
        ("dynamicResources: {}", "dynamicResources"),
        ("layered_runtime: {}", "layered_runtime"),
    ])
    func envoyRootFieldNotSupported(_ field: String, _ path: String) {
        expectSingleError(
            field + "\n" + singleListenerConfig(),
            path: path,
            message: "Envoy field not supported by Lifeline",
            line: 1
        )
    }

    @Test(arguments: [
        ("transparent: true", "static_resources.listeners[0].transparent"),
        ("useOriginalDst: true", "static_resources.listeners[0].useOriginalDst"),
        ("freebind: true", "static_resources.listeners[0].freebind"),
    ])
    func envoyListenerFieldNotSupported(_ field: String, _ path: String) {
        expectSingleError(
            singleListenerConfig(listenerFields: field),
            path: path,
            message: "Envoy field not supported by Lifeline",
            line: 6
        )
    }

    @Test func envoySecretsAreNotSupported() {
        expectSingleError(
            singleListenerConfig() + "\n  secrets: []",
            path: "static_resources.secrets",
            message: "Envoy field not supported by Lifeline",
            line: 24
        )
    }

    @Test(arguments: [
        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v2.TcpProxy",
        "type.googleapis.com/example.Unknown",
    ])
    func aFilterTypeLifelineDoesNotRunIsNamed(_ type: String) {
        // The name is tcp_proxy's, but the @type decides, as in Envoy.
        expectSingleError(
            singleListenerConfig().replacingFirst(
                "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                with: type
            ),
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.@type",
            message: "network filter \"\(type)\" is not supported by Lifeline, which runs "
                + "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, "
                + "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager "
                + "or type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit",
            line: 11
        )
    }

    @Test(arguments: [
        ("max_connect_attempts: 3", "max_connect_attempts", "Envoy field not supported by Lifeline"),
        ("accessLog: []", "accessLog", "Envoy field not supported by Lifeline"),
        ("retries: 2", "retries", "unknown field"),
    ])
    func unsupportedTcpProxyField(_ field: String, _ key: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(proxyFields: field),
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.\(key)",
            message: message,
            line: 14
        )
    }

    @Test func portOutOfRange() {
        expectSingleError(
            singleListenerConfig().replacingFirst("port_value: 8443", with: "port_value: 70000"),
            path: "static_resources.listeners[0].address.socket_address.port_value",
            message: "70000 is out of range 0...65535",
            line: 5
        )
    }

    @Test func negativePort() {
        expectSingleError(
            singleListenerConfig().replacingFirst("port_value: 8443", with: "port_value: -1"),
            path: "static_resources.listeners[0].address.socket_address.port_value",
            message: "-1 is out of range 0...65535",
            line: 5
        )
    }

    @Test func intValueAndBufValueBothSet() {
        expectSingleError(
            singleListenerConfig(
                listenerFields: "socket_options:\n- { level: 1, name: 25, int_value: 1, buf_value: ZXRoMA== }"
            ),
            path: "static_resources.listeners[0].socket_options[0]",
            message: "int_value and buf_value are both set; set one",
            line: 7
        )
    }

    @Test func neitherIntValueNorBufValue() {
        expectSingleError(
            singleListenerConfig(listenerFields: "socket_options:\n- { level: 1, name: 9 }"),
            path: "static_resources.listeners[0].socket_options[0]",
            message: "needs int_value or buf_value",
            line: 7
        )
    }

    @Test func unknownStateIsNamedByItsFullPath() {
        expectSingleError(
            singleListenerConfig(
                listenerFields: """
                    socket_options:
                    - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                    - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 15, state: STATE_LISTENING }
                    - level: IPPROTO_TCP
                      name: TCP_KEEPINTVL
                      int_value: 15
                      state: LISTEN
                    """
            ),
            path: "static_resources.listeners[0].socket_options[2].state",
            message: "unknown state \"LISTEN\"; expected one of STATE_PREBIND, STATE_BOUND, STATE_LISTENING",
            line: 12
        )
    }

    @Test func bothSpellingsOfOneField() {
        expectSingleError(
            singleListenerConfig().replacingFirst(
                "port_value: 8443",
                with: "port_value: 8443, portValue: 8444"
            ),
            path: "static_resources.listeners[0].address.socket_address.portValue",
            message: "port_value is given too; give only one",
            line: 5
        )
    }

    @Test func bothSpellingsCamelCaseFirst() {
        expectSingleError(
            singleListenerConfig(listenerFields: "enableReusePort: true\nenable_reuse_port: false"),
            path: "static_resources.listeners[0].enable_reuse_port",
            message: "enableReusePort is given too; give only one",
            line: 7
        )
    }

    @Test(arguments: [
        (
            "port_value: 8443", "port_value: true", "static_resources.listeners[0].address.socket_address.port_value",
            "expected an integer, found a bool"
        ),
        (
            "address: 0.0.0.0,", "address: [0.0.0.0],", "static_resources.listeners[0].address.socket_address.address",
            "expected a string, found a list"
        ),
        ("- name: main", "- name: 5", "static_resources.listeners[0].name", "expected a string, found a number"),
        ("- name: main", "- name: \"\"", "static_resources.listeners[0].name", "must not be empty"),
        (
            "socket_address: { address: 0.0.0.0, port_value: 8443 }", "socket_address: 5",
            "static_resources.listeners[0].address.socket_address", "expected an object, found a number"
        ),
        (
            "filter_chains:", "filter_chains: {}\n    y:", "static_resources.listeners[0].filter_chains",
            "expected a list, found an object"
        ),
        (
            "cluster: backend", "cluster: { name: backend }",
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster",
            "expected a string, found an object"
        ),
    ])
    func wrongTypes(_ target: String, _ replacement: String, _ path: String, _ message: String) {
        let diagnostics = decodeErrors(singleListenerConfig().replacingFirst(target, with: replacement))
        #expect(diagnostics.first?.path == path)
        #expect(diagnostics.first?.message == message)
    }

    @Test func enableReusePortMustBeABool() {
        expectSingleError(
            singleListenerConfig(listenerFields: "enable_reuse_port: \"true\""),
            path: "static_resources.listeners[0].enable_reuse_port",
            message: "expected true or false, found a string",
            line: 6
        )
    }

    @Test func listenersMustBeAList() {
        expectSingleError(
            "static_resources:\n  listeners: { name: a }\n",
            path: "static_resources.listeners",
            message: "expected a list, found an object",
            line: 2
        )
    }

    @Test func theRootMustBeAnObject() {
        expectSingleError("- a\n- b\n", path: "", message: "expected an object, found a list", line: 1)
    }

    @Test func aListenerNeedsAnAddressAndAFilterChain() {
        let diagnostics = decodeErrors("static_resources:\n  listeners:\n  - name: bare\n")
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0]", "static_resources.listeners[0]"])
        #expect(
            diagnostics.map(\.message) == [
                "a listener needs an address", "a listener needs filter_chains or a default_filter_chain",
            ]
        )
        #expect(diagnostics.map { $0.location?.line } == [3, 3])
    }

    @Test func aSocketAddressNeedsAnAddressAndAPort() {
        let diagnostics = decodeErrors(
            singleListenerConfig().replacingFirst("address: 0.0.0.0, port_value: 8443", with: "")
        )
        #expect(
            diagnostics.map(\.path)
                == Array(repeating: "static_resources.listeners[0].address.socket_address", count: 2)
        )
        #expect(diagnostics.map(\.message) == ["needs an address", "needs a port_value"])
    }

    @Test func pipeAddressesAreNotSupported() {
        let diagnostics = decodeErrors(
            singleListenerConfig().replacingFirst(
                "socket_address: { address: 0.0.0.0, port_value: 8443 }",
                with: "pipe: { path: /tmp/x.sock }"
            )
        )
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.listeners[0].address.pipe: Envoy field not supported by Lifeline (x.yaml:5:7)",
                "static_resources.listeners[0].address: needs a socket_address (x.yaml:5:7)",
            ]
        )
    }

    @Test func oneFilterPerChainAndNoTwoChainsWithTheSameMatch() {
        let twoChains = decodeErrors(
            singleListenerConfig().replacingFirst(
                "    filter_chains:\n",
                with: "    filter_chains:\n    - filters: []\n"
            )
        )
        #expect(
            twoChains.map(\.description) == [
                "static_resources.listeners[0].filter_chains[0].filters: a filter chain needs filters ending in "
                    + "envoy.filters.network.tcp_proxy or envoy.filters.network.http_connection_manager (x.yaml:8:16)",
                "static_resources.listeners[0].filter_chains[1]: this filter chain has the same filter_chain_match as "
                    + "static_resources.listeners[0].filter_chains[0]; Envoy rejects filter chains with the same "
                    + "matching rules (x.yaml:9:7)",
            ]
        )
        let twoFilters = decodeErrors(
            singleListenerConfig().replacingFirst(
                "    - filters:\n",
                with:
                    "    - filters:\n      - { name: envoy.tcp_proxy, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: x, cluster: backend } }\n"
            )
        )
        #expect(
            twoFilters.map(\.description) == [
                "static_resources.listeners[0].filter_chains[0].filters[0]: terminal filter \"envoy.tcp_proxy\" must be "
                    + "the last filter in a network filter chain (as Envoy requires) (x.yaml:9:9)"
            ]
        )
    }

    @Test func tcpProxyNeedsStatPrefixAndCluster() {
        let diagnostics = decodeErrors(
            singleListenerConfig().replacingFirst("          stat_prefix: main\n", with: "").replacingFirst(
                "          cluster: backend\n",
                with: ""
            )
        )
        let proxyPath = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
        #expect(diagnostics.map(\.path) == [proxyPath, proxyPath])
        #expect(diagnostics.map(\.message) == ["tcp_proxy needs a stat_prefix", "tcp_proxy needs a cluster"])
    }

    @Test func aFilterNeedsTypedConfig() {
        expectSingleError(
            """
            static_resources:
              listeners:
              - address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                filter_chains: [{ filters: [{ name: envoy.filters.network.tcp_proxy }] }]
            """,
            path: "static_resources.listeners[0].filter_chains[0].filters[0]",
            message: "a filter needs a typed_config whose @type names it, "
                + "e.g. type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
            line: 4
        )
    }
}
