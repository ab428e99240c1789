import Glibc
import LifelineSocket
import Testing

/// TCP_INFO read live from loopback sockets.
@Suite struct TCPInfoTests {
    private func connectedPair() throws -> (listener: Int32, client: Int32, server: Int32) {
        let listener = try ListeningSocketBuilder().makeListeningSocket(
            listener: "test",
            address: IPEndpoint(host: "127.0.0.1", port: 0)!,
            options: [],
            backlog: 4
        )
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
        }
        return (listener, client, accept(listener, nil, nil))
    }

    @Test func establishedConnectionAfterAnExchange() throws {
        let (listener, client, server) = try connectedPair()
        defer {
            close(client)
            close(server)
            close(listener)
        }
        var byte: UInt8 = 7
        #expect(write(client, &byte, 1) == 1)
        #expect(read(server, &byte, 1) == 1)
        let info = try TCPInfo.read(fd: server)
        #expect(info.state == .established)
        #expect(info.probes == 0)
        #expect(info.unacknowledged == 0)
        #expect(info.roundTripMicroseconds > 0)
        #expect(info.lastDataReceivedMilliseconds < 10_000)
        #expect(try TCPInfo.read(fd: listener).state == .listen)
    }

    @Test func peerFinShowsCloseWait() throws {
        let (listener, client, server) = try connectedPair()
        defer {
            close(server)
            close(listener)
        }
        close(client)
        var byte: UInt8 = 0
        #expect(read(server, &byte, 1) == 0)
        #expect(try TCPInfo.read(fd: server).state == .closeWait)
    }

    @Test func notASocketIsAnError() {
        #expect(throws: SystemCallError.self) { try TCPInfo.read(fd: 0) }
    }
}
