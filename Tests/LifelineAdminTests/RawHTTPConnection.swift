import Foundation
import Glibc

/// A TCP connection to 127.0.0.1 that speaks HTTP/1.1 by hand, so tests control every byte and see exactly when the
/// server closes. Each read blocks a thread of its own, never one of Swift concurrency's few (which the server's async
/// handlers need to answer) nor Dispatch's (whose pool is as small).
final class RawHTTPConnection: @unchecked Sendable {
    let fd: Int32
    private var pending: [UInt8] = []

    /// Connects, with a receive timeout so a test never hangs on a server that says nothing (generous: the whole
    /// suite running in parallel can keep the server's handlers waiting for seconds).
    init?(port: Int, timeoutSeconds: Int = 30) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// The local port, which the gateway sees as the peer's.
    var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @discardableResult
    func send(_ text: String) -> Bool {
        send(Array(text.utf8))
    }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Reads one response (head, then a body of `content-length`); nil when the server closed or said nothing in
    /// time.
    func readResponse() async -> RawHTTPResponse? {
        await offThePool { self.readResponseBlocking() }
    }

    /// Whether the server closed the connection: a read sees end of input (or a reset) within the receive timeout.
    func isClosedByServer() async -> Bool {
        await offThePool { self.isClosedByServerBlocking() }
    }

    private func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    private func readResponseBlocking() -> RawHTTPResponse? {
        while true {
            if let end = headEnd() {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
                let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] =
                        line[line.index(after: colon)...]
                        .trimmingPrefix(" ").description
                }
                let length = headers["content-length"].flatMap(Int.init) ?? 0
                while pending.count < end + 4 + length {
                    guard fill() else { return nil }
                }
                let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                pending.removeFirst(end + 4 + length)
                return RawHTTPResponse(status: status, headers: headers, body: body)
            }
            guard fill() else { return nil }
        }
    }

    private func isClosedByServerBlocking() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, 0)
        if count == 0 { return true }
        if count < 0 { return errno == ECONNRESET }
        return false
    }

    private func headEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for index in 0...(pending.count - 4)
        where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13 && pending[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        pending += chunk[0..<count]
        return true
    }
}

struct RawHTTPResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: String
}
