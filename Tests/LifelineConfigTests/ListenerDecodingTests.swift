import LifelineConfig
import Testing

@Suite("Listeners")
struct ListenerDecodingTests {
    @Test func defaultsWhenOnlyTheRequiredFieldsAreGiven() throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig())
        #expect(bootstrap.admin == nil)
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.name == "main")
        #expect(listener.socketOptions.isEmpty)
        #expect(listener.enableReusePort == true)
        #expect(listener.perConnectionBufferLimitBytes == 1_048_576)
        #expect(listener.perConnectionBufferLimitBytes == ListenerConfig.defaultBufferLimitBytes)
        #expect(listener.tcpBacklogSize == nil)
        #expect(listener.origin.path == "static_resources.listeners[0]")
        #expect(listener.address.origin.path == "static_resources.listeners[0].address.socket_address")
    }

    @Test func aListenerWithoutANameIsNamedAfterItsAddressAndPort() throws {
        let bootstrap = try decodeBootstrap(
            """
            static_resources:
              listeners:
              - address:
                  socket_address: { address: 0.0.0.0, port_value: 8443 }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: backend }
              - address:
                  socket_address: { address: "::", port_value: 9000 }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: backend }
              clusters:
              - name: backend
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
            """
        )
        #expect(bootstrap.listeners.map(\.name) == ["0.0.0.0_8443", "::_9000"])
        let address = SocketAddressConfig(address: "0.0.0.0", portValue: 8443, origin: ConfigOrigin(path: ""))
        #expect(ListenerConfig.defaultName(for: address) == "0.0.0.0_8443")
    }

    @Test func anIPv6ListenerAddress() throws {
        let bootstrap = try decodeBootstrap(
            singleListenerConfig().replacingFirst("address: 0.0.0.0", with: #"address: "::1""#)
        )
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.address.address == "::1")
        #expect(listener.address.portValue == 8443)
    }

    @Test(arguments: [
        ("enable_reuse_port: true", true),
        ("enable_reuse_port: false", false),
        ("enableReusePort: false", false),
        ("enable_reuse_port: null", true),
    ])
    func enableReusePort(_ field: String, _ expected: Bool) throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig(listenerFields: field))
        #expect(bootstrap.listeners.first?.enableReusePort == expected)
    }

    @Test(arguments: [
        ("per_connection_buffer_limit_bytes: 1", 1),
        ("per_connection_buffer_limit_bytes: \"4096\"", 4096),
        ("perConnectionBufferLimitBytes: 4294967295", 4_294_967_295),
    ])
    func perConnectionBufferLimitBytes(_ field: String, _ expected: Int) throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig(listenerFields: field))
        #expect(bootstrap.listeners.first?.perConnectionBufferLimitBytes == expected)
    }

    @Test(arguments: [
        ("tcp_backlog_size: 1", 1),
        ("tcp_backlog_size: \"128\"", 128),
        ("tcpBacklogSize: 2147483647", 2_147_483_647),
        ("tcp_backlog_size: +64", 64),
    ])
    func tcpBacklogSize(_ field: String, _ expected: Int) throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig(listenerFields: field))
        #expect(bootstrap.listeners.first?.tcpBacklogSize == expected)
    }

    @Test(arguments: [
        ("tcp_backlog_size: 0", "static_resources.listeners[0].tcp_backlog_size", "0 is out of range 1...2147483647"),
        (
            "tcp_backlog_size: 2147483648", "static_resources.listeners[0].tcp_backlog_size",
            "2147483648 is out of range 1...2147483647"
        ),
        (
            "per_connection_buffer_limit_bytes: 0", "static_resources.listeners[0].per_connection_buffer_limit_bytes",
            "0 is out of range 1...4294967295"
        ),
        (
            "perConnectionBufferLimitBytes: 1.5", "static_resources.listeners[0].perConnectionBufferLimitBytes",
            "expected an integer, found \"1.5\""
        ),
    ])
    func outOfRangeListenerIntegers(_ field: String, _ path: String, _ message: String) {
        expectSingleError(singleListenerConfig(listenerFields: field), path: path, message: message, line: 6)
    }

    @Test func quotedPortValue() throws {
        let bootstrap = try decodeBootstrap(
            singleListenerConfig().replacingFirst("port_value: 8443", with: #"port_value: "8443""#)
        )
        #expect(bootstrap.listeners.first?.address.portValue == 8443)
    }

    @Test func portZeroAndPort65535AreInRange() throws {
        for port in [0, 65535] {
            let bootstrap = try decodeBootstrap(
                singleListenerConfig().replacingFirst("port_value: 8443", with: "port_value: \(port)")
            )
            #expect(bootstrap.listeners.first?.address.portValue == port)
        }
    }

    @Test func idleTimeoutDefaultsToOneHour() throws {
        let proxy = try #require(try decodeBootstrap(singleListenerConfig()).listeners.first?.tcpProxy)
        #expect(proxy.idleTimeout == .seconds(3600))
        #expect(TcpProxyConfig.defaultIdleTimeout == .seconds(3600))
    }

    @Test(
        arguments: [
            ("idle_timeout: 0s", nil),
            ("idle_timeout: 0.000s", nil),
            ("idleTimeout: \"0s\"", nil),
            ("idle_timeout: 1s", Duration.seconds(1)),
            ("idle_timeout: 1.5s", Duration.milliseconds(1500)),
            ("idle_timeout: 7200s", Duration.seconds(7200)),
            ("idle_timeout: null", Duration.seconds(3600)),
        ] as [(String, Duration?)]
    )
    func idleTimeout(_ field: String, _ expected: Duration?) throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig(proxyFields: field))
        let proxy = try #require(bootstrap.listeners.first?.tcpProxy)
        #expect(proxy.idleTimeout == expected)
    }

    @Test(arguments: [
        "envoy.filters.network.tcp_proxy", "envoy.tcp_proxy", "tcp", "envoy.filters.network.http_connection_manager",
    ])
    func theTypeURLPicksTheFilterWhateverItsName(_ name: String) throws {
        let bootstrap = try decodeBootstrap(
            singleListenerConfig().replacingFirst("envoy.filters.network.tcp_proxy", with: name)
        )
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.filterChains.first?.filters.first?.name == name)
        #expect(listener.tcpProxy?.cluster == "backend")
    }

    @Test(arguments: ["envoy.filters.network.tcp_proxy", "envoy.tcp_proxy"])
    func withoutATypeURLNoNameIsEnough(_ name: String) {
        // Envoy finds no extension for a typed_config without @type, whatever the filter is called.
        expectSingleError(
            singleListenerConfig().replacingFirst("envoy.filters.network.tcp_proxy", with: name).replacingFirst(
                "\"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\n          ",
                with: ""
            ),
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config",
            message: "typed_config needs an @type: Envoy picks the filter by its type, not by its name "
                + "(e.g. type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy)",
            line: 11
        )
    }

    @Test func anEmptyTypedConfigHasNoTypeURL() {
        expectSingleError(
            """
            static_resources:
              listeners:
              - address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                filter_chains: [{ filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: {} }] }]
            """,
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config",
            message: "typed_config needs an @type: Envoy picks the filter by its type, not by its name "
                + "(e.g. type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy)",
            line: 4
        )
    }

    @Test func aTypeURLMustBeAString() {
        expectSingleError(
            singleListenerConfig().replacingFirst(
                "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                with: "{ url: x }"
            ),
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.@type",
            message: "expected a string, found an object",
            line: 11
        )
    }

    @Test func aFilterChainKeepsItsName() throws {
        let bootstrap = try decodeBootstrap(
            singleListenerConfig().replacingFirst("- filters:", with: "- name: chain-0\n      filters:")
        )
        #expect(bootstrap.listeners.first?.filterChains.first?.name == "chain-0")
    }

    @Test func listenersKeepConfigOrder() throws {
        let bootstrap = try decodeBootstrap(
            """
            static_resources:
              listeners:
              - name: second
                address: { socket_address: { address: 127.0.0.1, port_value: 2 } }
                filter_chains: [{ filters: [{ name: envoy.filters.network.tcp_proxy,
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: two, cluster: backend } }] }]
              - name: first
                address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                filter_chains: [{ filters: [{ name: envoy.filters.network.tcp_proxy,
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: one, cluster: backend } }] }]
              clusters:
              - name: backend
                load_assignment:
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address:
                    { address: 10.0.0.1, port_value: 80 } } } }] }]
            """
        )
        #expect(bootstrap.listeners.map(\.name) == ["second", "first"])
        #expect(bootstrap.listeners.map(\.address.portValue) == [2, 1])
        #expect(bootstrap.listeners.compactMap(\.tcpProxy?.statPrefix) == ["two", "one"])
        #expect(
            bootstrap.listeners.map(\.origin.path) == [
                "static_resources.listeners[0]", "static_resources.listeners[1]",
            ]
        )
    }

    @Test func anEmptyStaticResourcesDecodesToNothing() throws {
        let bootstrap = try decodeBootstrap("static_resources: {}\n")
        #expect(bootstrap.listeners.isEmpty)
        #expect(bootstrap.clusters.isEmpty)
        #expect(bootstrap.admin == nil)
    }
}
