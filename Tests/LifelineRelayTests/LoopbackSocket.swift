#if os(Linux)
    import Glibc
    import LifelineSocket

    /// A blocking loopback TCP socket for tests, with a receive timeout so a test fails rather than hangs.
    struct LoopbackSocket {
        let fd: Int32

        /// A listening socket on 127.0.0.1 and the port it was given. With a backlog of 0, one connection waiting
        /// to be accepted fills the queue and the kernel drops the next SYN (its connect completes on a retransmission).
        static func listen(backlog: Int32 = 64) throws -> (fd: Int32, port: Int) {
            let calls = PosixSocketSystemCalls()
            let fd = try calls.makeStreamSocket(family: .inet)
            try calls.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: .int(1))
            try calls.bind(fd, to: IPEndpoint(host: "127.0.0.1", port: 0)!)
            try calls.listen(fd, backlog: backlog)
            return (fd, port(of: fd))
        }

        static func port(of fd: Int32) -> Int {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        static func connect(port: Int) throws -> LoopbackSocket {
            let fd = try PosixSocketSystemCalls().makeStreamSocket(family: .inet)
            let result = IPEndpoint(host: "127.0.0.1", port: port)!.withSockAddr { Glibc.connect(fd, $0, $1) }
            guard result == 0 else { throw SystemCallError(call: "connect", errno: errno) }
            return LoopbackSocket(fd: fd)
        }

        /// Accepts one connection on a listening socket (waiting at most `seconds`).
        static func accept(_ listening: Int32, seconds: Int = 5) throws -> LoopbackSocket {
            setTimeout(listening, seconds: seconds)
            let fd = Glibc.accept(listening, nil, nil)
            guard fd >= 0 else { throw SystemCallError(call: "accept", errno: errno) }
            return LoopbackSocket(fd: fd)
        }

        init(fd: Int32) {
            self.fd = fd
            Self.setTimeout(fd, seconds: 5)
        }

        private static func setTimeout(_ fd: Int32, seconds: Int) {
            var time = timeval(tv_sec: seconds, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        }

        func send(_ text: String) {
            var bytes = Array(text.utf8)
            _ = Glibc.send(fd, &bytes, bytes.count, Int32(MSG_NOSIGNAL))
        }

        func send(_ bytes: [UInt8]) -> Int {
            var bytes = bytes
            return Glibc.send(fd, &bytes, bytes.count, Int32(MSG_NOSIGNAL))
        }

        /// Reads until `count` bytes came, EOF, or the timeout.
        func receive(count: Int) -> [UInt8] {
            var result: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while result.count < count {
                let read = Glibc.recv(fd, &buffer, min(buffer.count, count - result.count), 0)
                guard read > 0 else { break }
                result.append(contentsOf: buffer[..<read])
            }
            return result
        }

        func receiveText(count: Int) -> String {
            String(decoding: receive(count: count), as: UTF8.self)
        }

        /// What the next read says once the peer is done: 0 for FIN, -1 with errno for a reset or the timeout.
        func readEnd() -> (result: Int, errno: Int32) {
            var byte: UInt8 = 0
            let result = Glibc.recv(fd, &byte, 1, 0)
            return (result, result < 0 ? errno : 0)
        }

        func shutdownOutput() {
            _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        }

        /// Closes with RST (SO_LINGER 0).
        func reset() {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            Glibc.close(fd)
        }

        func close() {
            Glibc.close(fd)
        }
    }
#endif
