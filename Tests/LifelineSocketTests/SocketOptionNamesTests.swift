import LifelineSocket
import Testing

@Suite struct SocketOptionNamesTests {
    @Test(arguments: [
        ("SO_KEEPALIVE", 1, 9), ("SO_REUSEADDR", 1, 2), ("SO_REUSEPORT", 1, 15), ("SO_RCVBUF", 1, 8),
        ("SO_SNDBUF", 1, 7), ("TCP_NODELAY", 6, 1), ("TCP_KEEPIDLE", 6, 4), ("TCP_KEEPINTVL", 6, 5),
        ("TCP_KEEPCNT", 6, 6), ("TCP_USER_TIMEOUT", 6, 18), ("IP_TOS", 0, 1), ("IPV6_V6ONLY", 41, 26),
    ])
    func linuxNumbers(name: String, level: Int32, number: Int32) throws {
        let entry = try #require(SocketOptionNames.entry(optionName: name))
        #expect(entry.level == level)
        #expect(entry.name == number)
    }

    @Test func numbersAreNamedBack() {
        #expect(SocketOptionNames.display(level: 1, name: 9) == "SOL_SOCKET/SO_KEEPALIVE")
        #expect(SocketOptionNames.display(level: 6, name: 4) == "IPPROTO_TCP/TCP_KEEPIDLE")
        #expect(SocketOptionNames.display(level: 6, name: 999) == "IPPROTO_TCP/999")
        #expect(SocketOptionNames.display(level: 77, name: 1) == "level 77 name 1")
    }

    @Test func socketStatesHaveTheirProtoNames() {
        #expect(SocketState(protoName: "STATE_LISTENING") == .listening)
        #expect(SocketState(protoName: "LISTEN") == nil)
        #expect(SocketState.allCases.map(\.protoName) == ["STATE_PREBIND", "STATE_BOUND", "STATE_LISTENING"])
    }

    @Test func endpointsParseOnlyNumericAddresses() {
        #expect(IPEndpoint(host: "0.0.0.0", port: 8443)?.description == "0.0.0.0:8443")
        #expect(IPEndpoint(host: "::1", port: 80)?.description == "[::1]:80")
        #expect(IPEndpoint(host: "example.com", port: 80) == nil)
        #expect(IPEndpoint(host: "127.0.0.1", port: 70000) == nil)
    }

    @Test func resolvesLocalhost() throws {
        let endpoints = try HostResolver.resolve(host: "localhost", port: 80)
        #expect(endpoints.contains { $0.host == "127.0.0.1" || $0.host == "::1" })
    }
}
