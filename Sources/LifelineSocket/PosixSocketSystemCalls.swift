#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real system calls. Every `setsockopt`/`getsockopt` in Lifeline goes through here.
public struct PosixSocketSystemCalls: SocketSystemCalls {
    public init() {}

    public func makeStreamSocket(family: IPAddressFamily) throws(SystemCallError) -> Int32 {
        let domain = family == .inet ? AF_INET : AF_INET6
        #if os(Linux)
            let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(domain, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SystemCallError(call: "socket", errno: errno) }
        return fd
    }

    public func setOption(_ fd: Int32, level: Int32, name: Int32, value: SocketOption.Value) throws(SystemCallError) {
        let result: Int32
        switch value {
        case .int(let number):
            var number = number
            result = setsockopt(fd, level, name, &number, socklen_t(MemoryLayout<Int32>.size))
        case .bytes(let bytes):
            result = bytes.withUnsafeBytes { setsockopt(fd, level, name, $0.baseAddress, socklen_t($0.count)) }
        }
        guard result == 0 else { throw SystemCallError(call: "setsockopt", errno: errno) }
    }

    public func getIntOption(_ fd: Int32, level: Int32, name: Int32) throws(SystemCallError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, level, name, &value, &length) == 0 else {
            throw SystemCallError(call: "getsockopt", errno: errno)
        }
        return value
    }

    public func bind(_ fd: Int32, to address: IPEndpoint) throws(SystemCallError) {
        #if os(Linux)
            let result = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        #else
            let result = address.withSockAddr { Darwin.bind(fd, $0, $1) }
        #endif
        guard result == 0 else { throw SystemCallError(call: "bind", errno: errno) }
    }

    public func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError) {
        #if os(Linux)
            let result = Glibc.listen(fd, backlog)
        #else
            let result = Darwin.listen(fd, backlog)
        #endif
        guard result == 0 else { throw SystemCallError(call: "listen", errno: errno) }
    }

    public func close(_ fd: Int32) {
        #if os(Linux)
            _ = Glibc.close(fd)
        #else
            _ = Darwin.close(fd)
        #endif
    }
}
