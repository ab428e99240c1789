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

/// Every planned option with this level and name, in the order they are applied.
private func all(_ level: Int32, _ name: Int32, in options: [PlannedSocketOption]) -> [PlannedSocketOption] {
    options.filter { $0.option.level == level && $0.option.name == name }
}

/// The value the socket keeps for this level and name: the last one applied.
private func kept(
    _ level: Int32,
    _ name: Int32,
    in options: [PlannedSocketOption],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> PlannedSocketOption {
    try #require(all(level, name, in: options).last, sourceLocation: sourceLocation)
}

@Suite("Every option is applied at its state; the socket keeps the last one applied", .enabled(if: onLinux))
struct SocketOptionOrderTests {
    /// The seed's per-listener LISTENING filter installed beside an all-listener PREBIND one: whatever the order they
    /// are written in, LISTENING comes after PREBIND, so the socket keeps 15.
    @Test(arguments: [false, true])
    func listeningIsAppliedAfterPrebindWhateverTheConfigOrder(prebindFirst: Bool) throws {
        let prebind = "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 120, state: STATE_PREBIND }"
        let listening = "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 15, state: STATE_LISTENING }"
        let (options, warnings) = try planListener(
            prebindFirst ? "\(prebind)\n\(listening)" : "\(listening)\n\(prebind)"
        )
        let idle = all(6, 4, in: options)
        #expect(idle.map(\.option) == [keepIdle(120, .prebind), keepIdle(15, .listening)])
        #expect(idle.map(\.kept) == [false, true])
        let prebindPath = "\(listenerPath).socket_options[\(prebindFirst ? 0 : 1)]"
        let listeningPath = "\(listenerPath).socket_options[\(prebindFirst ? 1 : 0)]"
        #expect(idle[0].replacedBy == "15 at STATE_LISTENING from \(listeningPath)")
        #expect(idle[1].overrides == ["120 at STATE_PREBIND from \(prebindPath)"])
        #expect(
            warnings.map(\.message) == [
                "IPPROTO_TCP/TCP_KEEPIDLE=15 at STATE_LISTENING replaces 120 at STATE_PREBIND from \(prebindPath), "
                    + "which is applied before it"
            ]
        )
        #expect(KeepaliveSettings(options: options).time?.value == 15)
    }

    @Test func optionsAreOrderedByStateThenAsWritten() throws {
        let (options, warnings) = try planListener(
            """
            - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_NODELAY, int_value: 1, state: STATE_BOUND }
            - { level: SOL_SOCKET, name: SO_SNDBUF, int_value: 65536 }
            """
        )
        #expect(warnings.isEmpty)
        #expect(
            options.map(\.option.state) == [.prebind, .prebind, .bound] + Array(repeating: .listening, count: 6)
        )
        #expect(
            options.map(\.source) == [
                "default", "\(listenerPath).socket_options[2]", "\(listenerPath).socket_options[1]",
            ] + defaultKeepaliveSources + ["\(listenerPath).socket_options[0]"]
        )
    }

    /// Envoy applies a listener's `tcp_keepalive` at STATE_PREBIND before that state's `socket_options`, so an
    /// explicit option at any state replaces it.
    @Test(arguments: [SocketState.prebind, .bound, .listening])
    func anExplicitOptionReplacesTcpKeepaliveAtAnyState(state: SocketState) throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: \(state.protoName) }",
            "enable_reuse_port: false\ntcp_keepalive: { keepalive_time: 20 }"
        )
        let idle = all(6, 4, in: options)
        #expect(idle.map(\.option) == [keepIdle(20, .prebind), keepIdle(30, state)])
        #expect(idle[0].replacedBy == "30 at \(state.protoName) from \(listenerPath).socket_options[0]")
        #expect(idle[1].overrides == ["20 at STATE_PREBIND from \(listenerPath).tcp_keepalive.keepalive_time"])
        #expect(
            warnings.map(\.description) == [
                "warning: \(listenerPath).socket_options[0]: IPPROTO_TCP/TCP_KEEPIDLE=30 at \(state.protoName) "
                    + "replaces 20 at STATE_PREBIND from \(listenerPath).tcp_keepalive.keepalive_time, which is "
                    + "applied before it (x.yaml:7:7)"
            ]
        )
        #expect(warnings.map(\.severity) == [.warning])
    }

    @Test func theSameValueSetTwiceIsListedTwiceWithoutAWarning() throws {
        let (options, warnings) = try planListener(
            """
            - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
            - { level: 1, name: 9, int_value: 1, state: STATE_PREBIND }
            """
        )
        #expect(warnings.isEmpty)
        let keep = all(1, 9, in: options)
        #expect(keep.map(\.option) == [keepalive(1, .prebind), keepalive(1, .listening)])
        #expect(keep[0].written == "level 1 name 9")
        #expect(keep.map(\.kept) == [false, true])
    }

    @Test func ofTwoOptionsInOneStateTheLaterInTheConfigIsKept() throws {
        let (options, warnings) = try planListener(
            """
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 4, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 5, state: STATE_LISTENING }
            """
        )
        #expect(all(6, 6, in: options).map(\.option.value) == [.int(4), .int(5)])
        #expect(
            try kept(6, 6, in: options).overrides == ["4 at STATE_LISTENING from \(listenerPath).socket_options[0]"]
        )
        #expect(
            warnings.map(\.message) == [
                "IPPROTO_TCP/TCP_KEEPCNT=5 at STATE_LISTENING replaces 4 at STATE_LISTENING from "
                    + "\(listenerPath).socket_options[0], which is applied before it"
            ]
        )
    }

    @Test func anExplicitUserTimeoutAfterTcpUserTimeoutIsKept() throws {
        let (options, warnings) = try planListener(
            "- { level: IPPROTO_TCP, name: TCP_USER_TIMEOUT, int_value: 5000 }",
            "enable_reuse_port: false\ntcp_user_timeout: 45s"
        )
        #expect(all(6, 18, in: options).map(\.option) == [userTimeout(45000, .prebind), userTimeout(5000, .prebind)])
        #expect(try kept(6, 18, in: options).source == "\(listenerPath).socket_options[0]")
        #expect(warnings.map(\.path) == ["\(listenerPath).socket_options[0]"])
    }

    @Test func anExplicitReusePortZeroAfterEnableReusePortLeavesOneSocket() throws {
        let (plan, warnings) = try planWithWarnings(
            listenerConfig(
                socketOptions: "- { level: SOL_SOCKET, name: SO_REUSEPORT, int_value: 0 }",
                listenerFields: "enable_reuse_port: true"
            )
        )
        let listener = try #require(plan.listeners.first)
        #expect(all(1, 15, in: listener.socketOptions).map(\.option) == [reusePort(1), reusePort(0)])
        #expect(listener.reusePort == false)
        #expect(
            warnings.map(\.message) == [
                "SOL_SOCKET/SO_REUSEPORT=0 at STATE_PREBIND replaces 1 at STATE_PREBIND from enable_reuse_port, "
                    + "which is applied before it"
            ]
        )
    }

    @Test func anExplicitReuseAddressReplacesTheBuiltInOneWithoutAWarning() throws {
        let (options, warnings) = try planListener("- { level: SOL_SOCKET, name: SO_REUSEADDR, int_value: 0 }")
        #expect(warnings.isEmpty)
        #expect(try kept(1, 2, in: options).overrides == ["1 at STATE_PREBIND from default"])
        #expect(try kept(1, 2, in: options).option == reuseAddress(0))
    }

    @Test func bufferValuesAreNamedByTheirSize() throws {
        let (options, warnings) = try planListener(
            """
            - { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: ZXRoMA== }
            - { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: ZXRoMQ== }
            """
        )
        let device = try kept(1, 25, in: options)
        #expect(device.option.value == .bytes(Array("eth1".utf8)))
        #expect(device.overrides == ["4 bytes at STATE_PREBIND from \(listenerPath).socket_options[0]"])
        #expect(warnings.count == 1)
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
            warnings.map(\.path) == [
                "\(listenerPath).socket_options[0]", "static_resources.listeners[1].socket_options[0]",
            ]
        )
        #expect(warnings.map { $0.location?.line } == [6, 11])
        #expect(warnings.map { $0.location?.file } == [path, path])
    }
}
