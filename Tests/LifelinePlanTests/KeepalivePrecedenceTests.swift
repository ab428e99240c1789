import Foundation
import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

private let listenerPath = "static_resources.listeners[0]"

/// Plans `listenerConfig(socketOptions:listenerFields:)`: the listener's options and every warning.
private func planListener(
    _ socketOptions: String,
    _ listenerFields: String = "enable_reuse_port: false"
) throws -> ([PlannedSocketOption], [ConfigDiagnostic]) {
    let (plan, warnings) = try planWithWarnings(
        listenerConfig(socketOptions: socketOptions, listenerFields: listenerFields)
    )
    return (try #require(plan.listeners.first).socketOptions, warnings)
}

/// The one planned option with this level and name; records an issue unless there is exactly one.
private func only(
    _ level: Int32,
    _ name: Int32,
    in options: [PlannedSocketOption],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> PlannedSocketOption {
    let matching = options.filter { $0.option.level == level && $0.option.name == name }
    try #require(matching.count == 1, "\(matching)", sourceLocation: sourceLocation)
    return matching[0]
}

@Suite("socket_options beat named settings, which beat defaults", .enabled(if: onLinux))
struct KeepalivePrecedenceTests {
    @Test func anExplicitOptionReplacesADefaultWithoutAWarning() throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_LISTENING }"
        )
        #expect(warnings.isEmpty)
        let idle = try only(6, 4, in: options)
        #expect(idle.option == keepIdle(30, .listening))
        #expect(idle.source == "\(listenerPath).socket_options[0]")
        #expect(idle.overrides == ["15 from default"])
        // The derived user timeout follows the value that won: (30 + 15 × 3) s.
        #expect(try only(6, 18, in: options).option == userTimeout(75000, .listening))
    }

    @Test func theWinnerIsTheOnlyOptionForItsNameWhateverTheState() throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_PREBIND }"
        )
        #expect(warnings.isEmpty)
        #expect(
            options.map(\.option) == [
                reuseAddress(), keepalive(1, .listening), keepInterval(15, .listening), keepCount(3, .listening),
                userTimeout(75000, .listening), keepIdle(30, .prebind),
            ]
        )
        #expect(options.last?.overrides == ["15 from default"])
    }

    @Test func anExplicitOptionBeatsANamedSettingWithAWarningNamingBoth() throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_LISTENING }",
            "tcp_keepalive: { keepalive_time: 20 }"
        )
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[0]: IPPROTO_TCP/TCP_KEEPIDLE=30 overrides 20 "
                    + "from static_resources.listeners[0].tcp_keepalive.keepalive_time (x.yaml:7:7)"
            ]
        )
        #expect(warnings.map(\.severity) == [.warning])
        #expect(warnings.map(\.path) == ["\(listenerPath).socket_options[0]"])
        let idle = try only(6, 4, in: options)
        #expect(idle.option == keepIdle(30, .listening))
        #expect(idle.overrides == ["20 from static_resources.listeners[0].tcp_keepalive.keepalive_time"])
        #expect(try only(6, 18, in: options).option == userTimeout(75000, .listening))
        #expect(try only(1, 9, in: options).source == "\(listenerPath).tcp_keepalive")
    }

    @Test func aNamedSettingBeatsADefaultWithoutAWarning() throws {
        let (options, warnings) = try planListener(
            "",
            "enable_reuse_port: false\ntcp_keepalive: { keepalive_time: 20 }"
        )
        #expect(warnings.isEmpty)
        // A set field takes the default's place rather than overriding it.
        #expect(try only(6, 4, in: options).overrides == [])
        #expect(try only(6, 4, in: options).source == "\(listenerPath).tcp_keepalive.keepalive_time")
    }

    @Test func anExplicitUserTimeoutBeatsTcpUserTimeout() throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_USER_TIMEOUT, int_value: 5000 }",
            "enable_reuse_port: false\ntcp_user_timeout: 45s"
        )
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[0]: IPPROTO_TCP/TCP_USER_TIMEOUT=5000 overrides "
                    + "45000 from static_resources.listeners[0].tcp_user_timeout (x.yaml:7:7)"
            ]
        )
        let timeout = try only(6, 18, in: options)
        #expect(timeout.option == userTimeout(5000, .prebind))
        #expect(timeout.overrides == ["45000 from static_resources.listeners[0].tcp_user_timeout"])
    }

    @Test func anExplicitUserTimeoutTakesThePlaceOfTheDerivedOne() throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_USER_TIMEOUT, int_value: 0, state: STATE_LISTENING }"
        )
        #expect(warnings.isEmpty)
        let timeout = try only(6, 18, in: options)
        #expect(timeout.option == userTimeout(0, .listening))
        #expect(timeout.source == "\(listenerPath).socket_options[0]")
        #expect(timeout.overrides == [])
    }

    @Test func anExplicitReusePortBeatsEnableReusePortWithAWarning() throws {
        let (options, warnings) = try planListener(
            "- { level: SOL_SOCKET, name: SO_REUSEPORT, int_value: 0 }",
            "enable_reuse_port: true"
        )
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[0]: SOL_SOCKET/SO_REUSEPORT=0 overrides 1 from "
                    + "enable_reuse_port (x.yaml:7:7)"
            ]
        )
        let reuse = try only(1, 15, in: options)
        #expect(reuse.option == reusePort(0))
        #expect(reuse.overrides == ["1 from enable_reuse_port"])
    }

    @Test func anExplicitReuseAddressBeatsTheDefaultWithoutAWarning() throws {
        let (options, warnings) = try planListener("- { level: SOL_SOCKET, name: SO_REUSEADDR, int_value: 0 }")
        #expect(warnings.isEmpty)
        #expect(try only(1, 2, in: options).overrides == ["1 from default"])
        #expect(options.map(\.option.name) == [9, 4, 5, 6, 18, 2])
    }

    @Test func anExplicitKeepaliveOffKeepsTheDefaultScheduleButDerivesNoUserTimeout() throws {
        let (options, warnings) = try planListener(
            "- { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 0, state: STATE_LISTENING }"
        )
        #expect(warnings.isEmpty)
        #expect(
            options.map(\.option) == [
                reuseAddress(), keepIdle(15, .listening), keepInterval(15, .listening), keepCount(3, .listening),
                keepalive(0, .listening),
            ]
        )
        #expect(options.last?.overrides == ["1 from default"])
    }

    @Test func anExplicitKeepaliveOnBeatsEnabledFalse() throws {
        let (options, warnings) = try planListener(
            "- { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }",
            "enable_reuse_port: false\ntcp_keepalive: { enabled: false }"
        )
        #expect(
            warnings.map(\.message) == [
                "SOL_SOCKET/SO_KEEPALIVE=1 overrides 0 from static_resources.listeners[0].tcp_keepalive.enabled"
            ]
        )
        // Nothing set the schedule, so there is nothing to derive a user timeout from.
        #expect(options.map(\.option) == [reuseAddress(), keepalive(1, .listening)])
    }

    @Test func ofTwoExplicitOptionsTheLaterWinsAndListsEverythingItBeat() throws {
        let (options, warnings) = try planListener(
            """
            - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 25, state: STATE_LISTENING }
            - { level: 6, name: 4, int_value: 30, state: STATE_LISTENING }
            """,
            "enable_reuse_port: false\ntcp_keepalive: { keepalive_time: 20 }"
        )
        let idle = try only(6, 4, in: options)
        #expect(idle.option == keepIdle(30, .listening))
        #expect(idle.source == "\(listenerPath).socket_options[1]")
        #expect(idle.written == "level 6 name 4")
        #expect(
            idle.overrides == [
                "20 from static_resources.listeners[0].tcp_keepalive.keepalive_time",
                "25 from static_resources.listeners[0].socket_options[0]",
            ]
        )
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[1]: IPPROTO_TCP/TCP_KEEPIDLE=30 overrides 20 "
                    + "from static_resources.listeners[0].tcp_keepalive.keepalive_time (x.yaml:8:7)",
                "warning: static_resources.listeners[0].socket_options[1]: IPPROTO_TCP/TCP_KEEPIDLE=30 overrides 25 "
                    + "from static_resources.listeners[0].socket_options[0] (x.yaml:8:7)",
            ]
        )
    }

    @Test func aDuplicateExplicitOptionOverADefaultWarnsOnlyAboutTheExplicitOne() throws {
        let (options, warnings) = try planListener(
            """
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 4, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 5, state: STATE_LISTENING }
            """
        )
        #expect(
            try only(6, 6, in: options).overrides == ["3 from default", "4 from \(listenerPath).socket_options[0]"]
        )
        #expect(
            warnings.map(\.message) == [
                "IPPROTO_TCP/TCP_KEEPCNT=5 overrides 4 from static_resources.listeners[0].socket_options[0]"
            ]
        )
        #expect(try only(6, 18, in: options).option == userTimeout(90000, .listening))
    }

    @Test func bufferValuesAreNamedByTheirSize() throws {
        let (options, warnings) = try planListener(
            """
            - { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: ZXRoMA== }
            - { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: ZXRoMQ== }
            """
        )
        let device = try only(1, 25, in: options)
        #expect(device.option.value == .bytes(Array("eth1".utf8)))
        #expect(device.overrides == ["4 bytes from \(listenerPath).socket_options[0]"])
        #expect(
            warnings.map(\.message) == [
                "SOL_SOCKET/SO_BINDTODEVICE=4 bytes overrides 4 bytes from static_resources.listeners[0].socket_options[0]"
            ]
        )
    }

    @Test func theDerivedUserTimeoutSaturatesInsteadOfOverflowing() throws {
        let (options, warnings) = try planListener(
            """
            - { level: IPPROTO_TCP, name: TCP_KEEPINTVL, int_value: 2147483647, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 2147483647, state: STATE_LISTENING }
            """
        )
        #expect(warnings.isEmpty)
        #expect(try only(6, 18, in: options).option == userTimeout(Int32.max, .listening))
    }

    @Test func winnersKeepTheOrderOfTheirSources() throws {
        let (options, warnings) = try planListener(
            """
            - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536 }
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 5, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_NODELAY, int_value: 1, state: STATE_BOUND }
            """,
            "tcp_keepalive: { keepalive_interval: 10 }\ntcp_user_timeout: 45s"
        )
        #expect(warnings.isEmpty)
        #expect(
            options.map(\.source) == [
                "default", "enable_reuse_port", "\(listenerPath).tcp_keepalive", "default",
                "\(listenerPath).tcp_keepalive.keepalive_interval", "\(listenerPath).tcp_user_timeout",
                "\(listenerPath).socket_options[0]", "\(listenerPath).socket_options[1]",
                "\(listenerPath).socket_options[2]",
            ]
        )
        #expect(options.map(\.option.name) == [2, 15, 9, 4, 5, 18, 8, 6, 1])
    }

    @Test func theDerivedUserTimeoutComesBeforeTheExplicitOptions() throws {
        let (options, _) = try planListener(
            "- { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536, state: STATE_LISTENING }"
        )
        #expect(options.map(\.source) == ["default"] + defaultKeepaliveSources + ["\(listenerPath).socket_options[0]"])
    }

    @Test func everyListenersWarningsAreReturnedAndThePlanStillSucceeds() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-\(UUID()).yaml").path
        let text = """
            static_resources:
              listeners:
              - name: a
                address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                tcp_keepalive: { keepalive_probes: 4 }
                socket_options: [{ level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 6, state: STATE_LISTENING }]
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: c } }] }]
              - name: b
                address: { socket_address: { address: 0.0.0.0, port_value: 2 } }
                tcp_user_timeout: 1s
                socket_options: [{ level: 6, name: 18, int_value: 2000 }]
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: c } }] }]
              clusters:
              - name: c
                load_assignment:
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 1 } } } }] }]
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (plan, warnings) = try GatewayPlanner.plan(configPath: path)
        #expect(plan.listeners.map(\.name) == ["a", "b"])
        #expect(
            warnings.map(\.message) == [
                "IPPROTO_TCP/TCP_KEEPCNT=6 overrides 4 from static_resources.listeners[0].tcp_keepalive.keepalive_probes",
                "IPPROTO_TCP/TCP_USER_TIMEOUT=2000 overrides 1000 from static_resources.listeners[1].tcp_user_timeout",
            ]
        )
        #expect(warnings.map { $0.location?.line } == [6, 11])
        #expect(warnings.map { $0.location?.file } == [path, path])
    }
}
