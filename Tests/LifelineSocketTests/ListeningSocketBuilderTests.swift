import Glibc
import LifelineSocket
import Testing

@Suite struct ListeningSocketBuilderTests {
    private func option(_ name: String, _ value: Int32, _ state: SocketState) -> StagedSocketOption {
        let entry = SocketOptionNames.entry(optionName: name)!
        return StagedSocketOption(
            option: SocketOption(level: entry.level, name: entry.name, value: .int(value), state: state),
            source: "test \(name)"
        )
    }

    @Test func appliesEachOptionExactlyAtItsState() throws {
        let calls = RecordingSocketSystemCalls()
        let builder = ListeningSocketBuilder(calls: calls)
        // Given out of order on purpose: the driver orders by state, keeping config order within a state.
        let options = [
            option("SO_KEEPALIVE", 1, .listening),
            option("SO_REUSEADDR", 1, .prebind),
            option("TCP_KEEPIDLE", 15, .listening),
            option("SO_RCVBUF", 65536, .bound),
            option("SO_REUSEPORT", 1, .prebind),
            option("TCP_KEEPINTVL", 15, .listening),
        ]
        let fd = try builder.makeListeningSocket(
            listener: "0.0.0.0_8443",
            address: IPEndpoint(host: "0.0.0.0", port: 8443)!,
            options: options,
            backlog: 512
        )
        #expect(fd == 42)
        #expect(
            calls.recorded == [
                "socket",
                "setsockopt SOL_SOCKET/SO_REUSEADDR",
                "setsockopt SOL_SOCKET/SO_REUSEPORT",
                "bind 0.0.0.0:8443",
                "setsockopt SOL_SOCKET/SO_RCVBUF",
                "listen 512",
                "setsockopt SOL_SOCKET/SO_KEEPALIVE",
                "setsockopt IPPROTO_TCP/TCP_KEEPIDLE",
                "setsockopt IPPROTO_TCP/TCP_KEEPINTVL",
            ]
        )
    }

    @Test func failedOptionStopsAndClosesTheSocketAndNamesEverything() throws {
        let keepidle = SocketOptionNames.entry(optionName: "TCP_KEEPIDLE")!
        let calls = RecordingSocketSystemCalls(failingOption: (keepidle.level, keepidle.name, EINVAL))
        let builder = ListeningSocketBuilder(calls: calls)
        let error = #expect(throws: ListeningSocketError.self) {
            try builder.makeListeningSocket(
                listener: "public",
                address: IPEndpoint(host: "::", port: 443)!,
                options: [option("SO_KEEPALIVE", 1, .listening), option("TCP_KEEPIDLE", -5, .listening)],
                backlog: 128
            )
        }
        #expect(
            calls.recorded == [
                "socket", "bind [::]:443", "listen 128", "setsockopt SOL_SOCKET/SO_KEEPALIVE",
                "setsockopt IPPROTO_TCP/TCP_KEEPIDLE", "close 42",
            ]
        )
        let text = try #require(error).description
        #expect(text.contains("listener public on [::]:443"))
        #expect(text.contains("setsockopt IPPROTO_TCP/TCP_KEEPIDLE=-5 at STATE_LISTENING (from test TCP_KEEPIDLE)"))
        #expect(text.contains("Invalid argument (errno 22)"))
    }

    @Test func failedBindNamesTheStepAndNothingIsListened() throws {
        final class BindFails: SocketSystemCalls {
            let inner = RecordingSocketSystemCalls()
            func makeStreamSocket(family: IPAddressFamily) throws(SystemCallError) -> Int32 {
                try inner.makeStreamSocket(family: family)
            }
            func setOption(_ fd: Int32, level: Int32, name: Int32, value: SocketOption.Value) throws(SystemCallError) {
                try inner.setOption(fd, level: level, name: name, value: value)
            }
            func getIntOption(_ fd: Int32, level: Int32, name: Int32) throws(SystemCallError) -> Int32 { 0 }
            func bind(_ fd: Int32, to address: IPEndpoint) throws(SystemCallError) {
                throw SystemCallError(call: "bind", errno: EADDRINUSE)
            }
            func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError) {
                try inner.listen(fd, backlog: backlog)
            }
            func close(_ fd: Int32) { inner.close(fd) }
        }
        let calls = BindFails()
        let error = #expect(throws: ListeningSocketError.self) {
            try ListeningSocketBuilder(calls: calls).makeListeningSocket(
                listener: "l",
                address: IPEndpoint(host: "127.0.0.1", port: 80)!,
                options: [option("SO_REUSEADDR", 1, .prebind), option("SO_KEEPALIVE", 1, .listening)],
                backlog: 1
            )
        }
        #expect(calls.inner.recorded == ["socket", "setsockopt SOL_SOCKET/SO_REUSEADDR", "close 42"])
        #expect(try #require(error).description.contains("bind() failed: bind: Address already in use"))
    }

    @Test func realSocketRejectsAnUnknownOptionWithErrno() throws {
        let builder = ListeningSocketBuilder()
        let bogus = StagedSocketOption(
            option: SocketOption(level: 6, name: 9999, value: .int(1), state: .bound),
            source: "static_resources.listeners[0].socket_options[0]"
        )
        let error = #expect(throws: ListeningSocketError.self) {
            try builder.makeListeningSocket(
                listener: "l",
                address: IPEndpoint(host: "127.0.0.1", port: 0)!,
                options: [bogus],
                backlog: 16
            )
        }
        let text = try #require(error).description
        #expect(
            text.contains("IPPROTO_TCP/9999=1 at STATE_BOUND (from static_resources.listeners[0].socket_options[0])")
        )
        #expect(text.contains("errno"))
    }
}
