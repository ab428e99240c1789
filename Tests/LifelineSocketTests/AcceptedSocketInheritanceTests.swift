import Glibc
import LifelineSocket
import Testing

/// Live, on loopback: options given to a listening socket at STATE_LISTENING are read back with getsockopt from
/// the socket accept() returns.
@Suite struct AcceptedSocketInheritanceTests {
    private func option(_ name: String, _ value: Int32) -> StagedSocketOption {
        let entry = SocketOptionNames.entry(optionName: name)!
        return StagedSocketOption(
            option: SocketOption(level: entry.level, name: entry.name, value: .int(value), state: .listening),
            source: name
        )
    }

    private func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func connectLoopback(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(result == 0)
        return fd
    }

    @Test func acceptedSocketCarriesKeepaliveSetAtListening() throws {
        let listener = try ListeningSocketBuilder().makeListeningSocket(
            listener: "test",
            address: IPEndpoint(host: "127.0.0.1", port: 0)!,
            options: [
                option("SO_KEEPALIVE", 1), option("TCP_KEEPIDLE", 15), option("TCP_KEEPINTVL", 15),
                option("TCP_KEEPCNT", 3), option("TCP_USER_TIMEOUT", 30_000),
            ],
            backlog: 8
        )
        defer { close(listener) }
        let client = connectLoopback(port: localPort(listener))
        defer { close(client) }
        let accepted = accept(listener, nil, nil)
        #expect(accepted >= 0)
        defer { close(accepted) }

        let readback = try KeepaliveReadback.read(fd: accepted)
        #expect(
            readback
                == KeepaliveReadback(
                    enabled: true,
                    idleSeconds: 15,
                    intervalSeconds: 15,
                    probes: 3,
                    userTimeoutMilliseconds: 30_000
                )
        )
        // The client's own socket was never configured: kernel defaults.
        let clientReadback = try KeepaliveReadback.read(fd: client)
        #expect(clientReadback.enabled == false)
    }

    @Test func withoutOptionsAcceptedSocketHasKernelDefaults() throws {
        let listener = try ListeningSocketBuilder().makeListeningSocket(
            listener: "test",
            address: IPEndpoint(host: "127.0.0.1", port: 0)!,
            options: [],
            backlog: 8
        )
        defer { close(listener) }
        let client = connectLoopback(port: localPort(listener))
        defer { close(client) }
        let accepted = accept(listener, nil, nil)
        defer { close(accepted) }
        let readback = try KeepaliveReadback.read(fd: accepted)
        #expect(readback.enabled == false)
        #expect(readback.userTimeoutMilliseconds == 0)
    }
}
