import LifelineConfig
import Testing

/// `envoy.filters.network.connection_limit` as Envoy 1.40 reads it (each rule checked with `envoy --mode validate`).
@Suite struct ConnectionLimitDecodingTests {
    static let filtersPath = "static_resources.listeners[0].filter_chains[0].filters"
    static let limitPath = "\(filtersPath)[0].typed_config"

    /// The single listener with a connection_limit before its tcp_proxy; `fields` are its `typed_config`'s, as a
    /// flow mapping's entries.
    static func config(_ fields: String) -> String {
        singleListenerConfig().replacingFirst(
            "    - filters:\n",
            with: """
                    - filters:
                      - name: envoy.filters.network.connection_limit
                        typed_config: { "@type": "\(ConnectionLimitConfig.typeURL)", \(fields) }

                """
        )
    }

    @Test func readsEveryField() throws {
        let yaml = Self.config(
            "stat_prefix: per_chain, max_connections: \"2\", delay: 1.5s, runtime_enabled: { default_value: false, "
                + "runtime_key: cl.enabled }"
        )
        let chain = try #require(decodeBootstrap(yaml).listeners.first?.filterChains.first)
        let limit = try #require(chain.connectionLimits.first)
        #expect(limit.statPrefix == "per_chain")
        #expect(limit.maxConnections == 2)
        #expect(limit.delay == .milliseconds(1500))
        #expect(limit.enabled == false)
        #expect(chain.tcpProxy?.cluster == "backend")
    }

    @Test func defaultsAreEnvoys() throws {
        let yaml = Self.config("stat_prefix: c, max_connections: 1, delay: 0s")
        let limit = try #require(decodeBootstrap(yaml).listeners.first?.filterChains.first?.connectionLimits.first)
        #expect(limit.delay == nil, "0s is no delay")
        #expect(limit.enabled)
    }

    @Test func theLargestUInt64IsAccepted() throws {
        // Envoy accepts any UInt64Value from 1; past Int64.max it is held as Int64.max.
        let yaml = Self.config("stat_prefix: c, max_connections: 18446744073709551615")
        let limit = try #require(decodeBootstrap(yaml).listeners.first?.filterChains.first?.connectionLimits.first)
        #expect(limit.maxConnections == UInt64(Int64.max))
    }

    @Test(arguments: [
        (
            "stat_prefix: c, max_connections: 0", "\(limitPath).max_connections",
            "0 is out of range 1...9223372036854775807"
        ),
        ("stat_prefix: \"\", max_connections: 1", "\(limitPath).stat_prefix", "must not be empty"),
        ("max_connections: 1", limitPath, "connection_limit needs a stat_prefix"),
        ("stat_prefix: c", limitPath, "connection_limit needs max_connections (at least 1)"),
        (
            "stat_prefix: c, max_connections: 1, delay: -1s", "\(limitPath).delay",
            "invalid duration \"-1s\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
        (
            "stat_prefix: c, max_connections: 1, runtime_enabled: { runtime_key: k }",
            "\(limitPath).runtime_enabled",
            "runtime_enabled needs a default_value"
        ),
    ])
    func rejectsWhatEnvoyRejects(_ fields: String, _ path: String, _ message: String) {
        expectSingleError(Self.config(fields), path: path, message: message)
    }

    @Test func unknownFieldsAreErrors() {
        let diagnostics = decodeErrors(Self.config("stat_prefix: c, max_connections: 1, max_conections: 2"))
        #expect(diagnostics.map(\.path) == ["\(Self.limitPath).max_conections"])
    }

    @Test func aTerminalFilterMustBeLast() {
        // Envoy: "terminal filter named envoy.filters.network.tcp_proxy ... must be the last filter".
        let yaml = singleListenerConfig().replacingFirst(
            "          cluster: backend\n",
            with: """
                          cluster: backend
                      - name: envoy.filters.network.connection_limit
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit
                          stat_prefix: c
                          max_connections: 1

                """
        )
        #expect(
            decodeErrors(yaml).map(\.description) == [
                "\(Self.filtersPath)[0]: terminal filter \"envoy.filters.network.tcp_proxy\" must be the last filter "
                    + "in a network filter chain (as Envoy requires) (x.yaml:9:9)",
                "\(Self.filtersPath)[1]: non-terminal filter \"envoy.filters.network.connection_limit\" is the last "
                    + "filter in a network filter chain; end the chain with envoy.filters.network.tcp_proxy or "
                    + "envoy.filters.network.http_connection_manager (as Envoy requires) (x.yaml:14:9)",
            ]
        )
    }

    @Test func twoLimitsInOneChainAreBothKept() throws {
        let second = "{ \"@type\": \"\(ConnectionLimitConfig.typeURL)\", stat_prefix: second, max_connections: 3 }"
        let yaml = Self.config("stat_prefix: first, max_connections: 5").replacingFirst(
            "      - name: envoy.filters.network.tcp_proxy\n",
            with: "      - { name: second, typed_config: \(second) }\n      - name: envoy.filters.network.tcp_proxy\n"
        )
        let chain = try #require(decodeBootstrap(yaml).listeners.first?.filterChains.first)
        #expect(chain.connectionLimits.map(\.statPrefix) == ["first", "second"])
    }
}
