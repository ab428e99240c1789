import Glibc

/// A listening socket with a zero backlog that the test accepts from by hand.
///
/// Once one connection waits in its accept queue the kernel drops further SYNs, which stalls a connect() without
/// leaving loopback: the way to hold the gateway's upstream connect open on purpose.
final class RawListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private var fillers: [Int32] = []

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, length)
                _ = getsockname(fd, $0, &length)
            }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        listen(fd, 0)
    }

    /// Fills the accept queue so that the next SYN is dropped.
    func fillAcceptQueue() {
        fillers.append(connectLoopback(port: port))
    }

    /// Blocks in accept(2).
    func accept() -> Int32 {
        Glibc.accept(fd, nil, nil)
    }

    /// Blocks reading `connection` until end of input; returns the bytes.
    static func readToEnd(_ connection: Int32) -> [UInt8] {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return all }
            all += chunk[0..<count]
        }
    }

    deinit {
        for filler in fillers { close(filler) }
        close(fd)
    }
}

/// A blocking TCP connection to 127.0.0.1:`port` (the descriptor; -1 if the connect failed), optionally with a receive
/// buffer set before connecting.
func connectLoopback(port: Int, receiveBuffer: Int32? = nil) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if var size = receiveBuffer {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        close(fd)
        return -1
    }
    return fd
}
