import LifelineConfig
import Testing

@Suite("Listener socket_options")
struct SocketOptionDecodingTests {
    @Test func symbolicAndNumericLevelsAndNamesAreKeptAsWritten() throws {
        let options = try decodeSocketOptions(
            """
            - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1 }
            - { level: 1, name: 9, int_value: 1 }
            - { level: "6", name: "4", int_value: 30 }
            - { level: IPPROTO_TCP, name: 5, int_value: 10 }
            - { level: -1, name: "-2", int_value: 0 }
            """
        )
        #expect(
            options.map(\.level) == [
                .symbol("SOL_SOCKET"), .number(1), .number(6), .symbol("IPPROTO_TCP"), .number(-1),
            ]
        )
        #expect(options.map(\.name) == [.symbol("SO_KEEPALIVE"), .number(9), .number(4), .number(5), .number(-2)])
        #expect(options.map(\.level.description) == ["SOL_SOCKET", "1", "6", "IPPROTO_TCP", "-1"])
    }

    @Test func intValueCoversTheWholeIntRange() throws {
        let options = try decodeSocketOptions(
            """
            - { level: 1, name: 9, int_value: 2147483647 }
            - { level: 1, name: 9, int_value: -2147483648 }
            - { level: 1, name: 9, intValue: "0" }
            """
        )
        #expect(options.map(\.value) == [.int(2_147_483_647), .int(-2_147_483_648), .int(0)])
    }

    @Test(arguments: [
        ("2147483648", "2147483648 is out of range -2147483648...2147483647"),
        ("-2147483649", "-2147483649 is out of range -2147483648...2147483647"),
        ("true", "expected an integer, found a bool"),
        ("1.5", "expected an integer, found \"1.5\""),
        ("\"ten\"", "expected an integer, found \"ten\""),
    ])
    func badIntValue(_ value: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(listenerFields: "socket_options:\n- { level: 1, name: 9, int_value: \(value) }"),
            path: "static_resources.listeners[0].socket_options[0].int_value",
            message: message,
            line: 7
        )
    }

    @Test(
        arguments: [
            ("ZXRoMA==", Array("eth0".utf8)),
            ("ZXRoMA", Array("eth0".utf8)),
            ("YmJy", Array("bbr".utf8)),
            ("+/8=", [0xFB, 0xFF]),
            ("-_8", [0xFB, 0xFF]),
            ("", []),
        ] as [(String, [UInt8])]
    )
    func bufValueIsBase64StandardOrURLSafe(_ text: String, _ bytes: [UInt8]) throws {
        let options = try decodeSocketOptions("- { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: \"\(text)\" }")
        #expect(options.map(\.value) == [.bytes(bytes)])
    }

    @Test func bufValueInCamelCase() throws {
        let options = try decodeSocketOptions("- { level: IPPROTO_TCP, name: TCP_CONGESTION, bufValue: Y3ViaWM= }")
        #expect(options.map(\.value) == [.bytes(Array("cubic".utf8))])
    }

    @Test func invalidBase64() {
        expectSingleError(
            singleListenerConfig(listenerFields: "socket_options:\n- { level: 1, name: 25, buf_value: \"e!h0\" }"),
            path: "static_resources.listeners[0].socket_options[0].buf_value",
            message: "invalid base64 \"e!h0\"",
            line: 7
        )
    }

    @Test(arguments: [
        ("STATE_PREBIND", SocketOptionConfig.State.prebind),
        ("STATE_BOUND", .bound),
        ("STATE_LISTENING", .listening),
        ("0", .prebind),
        ("1", .bound),
        ("2", .listening),
    ])
    func stateByNameOrNumber(_ written: String, _ state: SocketOptionConfig.State) throws {
        let options = try decodeSocketOptions("- { level: 1, name: 9, int_value: 1, state: \(written) }")
        #expect(options.map(\.state) == [state])
    }

    @Test func stateDefaultsToPrebind() throws {
        let options = try decodeSocketOptions("- { level: 1, name: 9, int_value: 1 }")
        #expect(options.map(\.state) == [.prebind])
    }

    @Test func stateNumberOutOfRange() {
        expectSingleError(
            singleListenerConfig(listenerFields: "socket_options:\n- { level: 1, name: 9, int_value: 1, state: 3 }"),
            path: "static_resources.listeners[0].socket_options[0].state",
            message: "unknown state number 3",
            line: 7
        )
    }

    @Test func descriptionIsOptionalFreeText() throws {
        let options = try decodeSocketOptions(
            """
            - description: "keepalive: on"
              level: SOL_SOCKET
              name: SO_KEEPALIVE
              int_value: 1
            - level: SOL_SOCKET
              name: SO_KEEPALIVE
              int_value: 0
            """
        )
        #expect(options.map(\.description) == ["keepalive: on", nil])
    }

    @Test func orderAndOriginsFollowTheConfig() throws {
        let options = try decodeSocketOptions(
            """
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 3, state: STATE_LISTENING }
            - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536, state: STATE_PREBIND }
            - { level: IPPROTO_TCP, name: TCP_NODELAY, int_value: 1, state: STATE_BOUND }
            """
        )
        #expect(options.map(\.name) == [.symbol("TCP_KEEPCNT"), .symbol("SO_RCVBUF"), .symbol("TCP_NODELAY")])
        #expect(options.map(\.state) == [.listening, .prebind, .bound])
        #expect(
            options.map(\.origin.path) == [
                "static_resources.listeners[0].socket_options[0]",
                "static_resources.listeners[0].socket_options[1]",
                "static_resources.listeners[0].socket_options[2]",
            ]
        )
        #expect(options.map { $0.origin.location?.line } == [7, 8, 9])
        #expect(options.map { $0.origin.location?.file } == ["x.yaml", "x.yaml", "x.yaml"])
    }

    @Test func levelAndNameAreRequired() {
        let diagnostics = decodeErrors(singleListenerConfig(listenerFields: "socket_options:\n- { int_value: 1 }"))
        #expect(
            diagnostics.map(\.path) == Array(repeating: "static_resources.listeners[0].socket_options[0]", count: 2)
        )
        #expect(diagnostics.map(\.message) == ["needs a level", "needs a name"])
    }

    @Test(arguments: [
        ("true", "expected an integer, found a bool"),
        ("\"\"", "expected an integer, found \"\""),
        ("[1]", "expected an integer, found a list"),
    ])
    func badLevel(_ level: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(listenerFields: "socket_options:\n- { level: \(level), name: 9, int_value: 1 }"),
            path: "static_resources.listeners[0].socket_options[0].level",
            message: message,
            line: 7
        )
    }

    @Test func theSocketTypeFieldIsRejected() {
        expectSingleError(
            singleListenerConfig(
                listenerFields: "socket_options:\n- { level: 1, name: 9, int_value: 1, type: { stream: {} } }"
            ),
            path: "static_resources.listeners[0].socket_options[0].type",
            message: "socket option type (datagram/stream) is not supported; options apply to TCP listeners",
            line: 7
        )
    }

    @Test func socketOptionsMustBeAList() {
        expectSingleError(
            singleListenerConfig(listenerFields: "socket_options: { level: 1, name: 9, int_value: 1 }"),
            path: "static_resources.listeners[0].socket_options",
            message: "expected a list, found an object",
            line: 6
        )
    }
}
