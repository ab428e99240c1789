import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

@Suite("Socket option names resolve to Linux numbers", .enabled(if: onLinux))
struct SocketOptionPlanTests {
    @Test(
        arguments: [
            ("SOL_SOCKET", "SO_KEEPALIVE", 1, 9, []),
            ("SOL_SOCKET", "SO_REUSEADDR", 1, 2, ["1 at STATE_PREBIND from default"]),
            ("SOL_SOCKET", "SO_REUSEPORT", 1, 15, []),
            ("SOL_SOCKET", "SO_RCVBUF", 1, 8, []),
            ("SOL_SOCKET", "SO_SNDBUF", 1, 7, []),
            ("IPPROTO_TCP", "TCP_NODELAY", 6, 1, []),
            ("IPPROTO_TCP", "TCP_KEEPIDLE", 6, 4, []),
            ("IPPROTO_TCP", "TCP_KEEPINTVL", 6, 5, []),
            ("IPPROTO_TCP", "TCP_KEEPCNT", 6, 6, []),
            ("IPPROTO_TCP", "TCP_USER_TIMEOUT", 6, 18, []),
            ("IPPROTO_IP", "IP_TOS", 0, 1, []),
        ] as [(String, String, Int32, Int32, [String])]
    )
    func symbolicNames(
        _ level: String,
        _ name: String,
        _ levelNumber: Int32,
        _ nameNumber: Int32,
        _ overrides: [String]
    ) throws {
        let options = try plannedOptions("- { level: \(level), name: \(name), int_value: 7 }")
        try #require(options.count == 1)
        let option = options[0].option
        #expect(option.level == levelNumber)
        #expect(option.name == nameNumber)
        #expect(option.value == .int(7))
        #expect(option.state == .prebind)
        #expect(option.displayName == "\(level)/\(name)")
        #expect(options[0].written == nil)
        #expect(options[0].source == "static_resources.listeners[0].socket_options[0]")
        #expect(options[0].overrides == overrides)
    }

    @Test func levelNumbersOfTheKnownLevels() {
        #expect(SocketOptionNames.levels["SOL_SOCKET"] == 1)
        #expect(SocketOptionNames.levels["IPPROTO_TCP"] == 6)
        #expect(SocketOptionNames.levels["IPPROTO_IP"] == 0)
        #expect(SocketOptionNames.levels["IPPROTO_IPV6"] == 41)
    }

    @Test func rawNumbersAreNamedBack() throws {
        let options = try plannedOptions(
            """
            - { level: 1, name: 9, int_value: 1 }
            - { level: 6, name: 4, int_value: 30 }
            - { level: 6, name: 18, int_value: 60000 }
            - { level: 1, name: 99, int_value: 1 }
            - { level: 99, name: 1, int_value: 1 }
            """
        )
        #expect(options.map(\.option.level) == [1, 6, 6, 1, 99])
        #expect(options.map(\.option.name) == [9, 4, 18, 99, 1])
        #expect(
            options.map(\.written) == [
                "level 1 name 9", "level 6 name 4", "level 6 name 18", "level 1 name 99", "level 99 name 1",
            ]
        )
        #expect(
            options.map(\.option.displayName) == [
                "SOL_SOCKET/SO_KEEPALIVE", "IPPROTO_TCP/TCP_KEEPIDLE", "IPPROTO_TCP/TCP_USER_TIMEOUT", "SOL_SOCKET/99",
                "level 99 name 1",
            ]
        )
    }

    @Test func aSymbolicLevelWithANumericNameOrTheReverse() throws {
        let options = try plannedOptions(
            """
            - { level: SOL_SOCKET, name: 9, int_value: 1 }
            - { level: 6, name: TCP_KEEPCNT, int_value: 3 }
            """
        )
        #expect(options.map(\.option.level) == [1, 6])
        #expect(options.map(\.option.name) == [9, 6])
        #expect(options.map(\.written) == [nil, nil])
    }

    @Test func bufferValuesAndDescriptionsAreCarried() throws {
        let options = try plannedOptions(
            """
            - { description: bind to eth0, level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: ZXRoMA== }
            - { level: IPPROTO_TCP, name: TCP_CONGESTION, buf_value: YmJy, state: STATE_LISTENING }
            """
        )
        #expect(options.map(\.option.value) == [.bytes(Array("eth0".utf8)), .bytes(Array("bbr".utf8))])
        #expect(options.map(\.option.name) == [25, 13])
        #expect(options.map(\.description) == ["bind to eth0", nil])
        #expect(options.map(\.option.state) == [.prebind, .listening])
    }

    @Test(arguments: ["SO_BOGUS", "so_keepalive", "SOL_SOCKET"])
    func unknownOptionName(_ name: String) {
        let diagnostics = planErrors(
            listenerConfig(socketOptions: "- { level: SOL_SOCKET, name: \(name), int_value: 1 }")
        )
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].socket_options[0].name"])
        #expect(diagnostics.map(\.message) == ["unknown socket option \"\(name)\""])
        #expect(diagnostics.first?.location?.file == "x.yaml")
        #expect(diagnostics.first?.location?.line == 7)
    }

    @Test func aDarwinOnlyNameIsReportedAsUnavailable() {
        let diagnostics = planErrors(
            listenerConfig(socketOptions: "- { level: IPPROTO_TCP, name: TCP_KEEPALIVE, int_value: 1 }")
        )
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].socket_options[0].name"])
        #expect(diagnostics.map(\.message) == ["TCP_KEEPALIVE is not available on this platform"])
    }

    @Test func unknownLevelName() {
        let diagnostics = planErrors(
            listenerConfig(
                socketOptions: """
                    - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1 }
                    - { level: SOL_TCP, name: TCP_KEEPIDLE, int_value: 1 }
                    """
            )
        )
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].socket_options[1].level"])
        #expect(
            diagnostics.map(\.message) == [
                "unknown level \"SOL_TCP\"; expected a number or one of IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, SOL_SOCKET"
            ]
        )
        #expect(diagnostics.first?.location?.line == 8)
    }

    @Test(arguments: [
        ("SOL_SOCKET", "TCP_KEEPIDLE", "TCP_KEEPIDLE belongs to level IPPROTO_TCP, not SOL_SOCKET"),
        ("IPPROTO_TCP", "SO_KEEPALIVE", "SO_KEEPALIVE belongs to level SOL_SOCKET, not IPPROTO_TCP"),
        ("SOL_SOCKET", "IP_TOS", "IP_TOS belongs to level IPPROTO_IP, not SOL_SOCKET"),
        ("1", "TCP_NODELAY", "TCP_NODELAY belongs to level IPPROTO_TCP, not 1"),
    ])
    func aNameAtTheWrongLevel(_ level: String, _ name: String, _ message: String) {
        let diagnostics = planErrors(
            listenerConfig(socketOptions: "- { level: \(level), name: \(name), int_value: 1 }")
        )
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].socket_options[0].name"])
        #expect(diagnostics.map(\.message) == [message])
    }

    @Test func everyBadOptionOfEveryListenerIsReported() {
        let diagnostics = planErrors(
            """
            static_resources:
              listeners:
              - name: a
                address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                socket_options:
                - { level: SOL_SOCKET, name: SO_NOPE, int_value: 1 }
                - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1 }
                - { level: SOL_NOPE, name: SO_NOPE, int_value: 1 }
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: c } }] }]
              - name: b
                address: { socket_address: { address: 0.0.0.0, port_value: 2 } }
                socket_options:
                - { level: IPPROTO_TCP, name: SO_RCVBUF, int_value: 1 }
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: c } }] }]
              clusters:
              - name: c
                load_assignment:
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 1 } } } }] }]
            """
        )
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.listeners[0].socket_options[0].name: unknown socket option \"SO_NOPE\" (x.yaml:6:7)",
                "static_resources.listeners[0].socket_options[2].level: unknown level \"SOL_NOPE\"; expected a number "
                    + "or one of IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, SOL_SOCKET (x.yaml:8:7)",
                "static_resources.listeners[0].socket_options[2].name: unknown socket option \"SO_NOPE\" (x.yaml:8:7)",
                "static_resources.listeners[1].socket_options[0].name: SO_RCVBUF belongs to level SOL_SOCKET, not "
                    + "IPPROTO_TCP (x.yaml:13:7)",
            ]
        )
    }

    @Test func resolveReportsIntoTheGivenList() {
        let config = SocketOptionConfig(
            level: .symbol("IPPROTO_TCP"),
            name: .symbol("TCP_KEEPINTVL"),
            value: .int(10),
            state: .listening,
            origin: ConfigOrigin(path: "here")
        )
        var diagnostics: [ConfigDiagnostic] = []
        let planned = SocketOptionResolver.resolve(config, diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
        #expect(planned?.option == SocketOption(level: 6, name: 5, value: .int(10), state: .listening))
        #expect(planned?.source == "here")
        #expect(
            planned?.staged
                == StagedSocketOption(
                    option: SocketOption(level: 6, name: 5, value: .int(10), state: .listening),
                    source: "here"
                )
        )

        var bad = config
        bad.name = .symbol("TCP_NOPE")
        #expect(SocketOptionResolver.resolve(bad, diagnostics: &diagnostics) == nil)
        #expect(diagnostics == [ConfigDiagnostic(path: "here.name", message: "unknown socket option \"TCP_NOPE\"")])
    }
}
