#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension IPEndpoint {
    /// The address a socket is bound to (`getsockname(2)`), for code that owns descriptors without NIO.
    public static func local(ofSocket fd: Int32) -> IPEndpoint? {
        read(fd, getsockname)
    }

    /// The address of a connected socket's peer (`getpeername(2)`).
    public static func peer(ofSocket fd: Int32) -> IPEndpoint? {
        read(fd, getpeername)
    }

    private static func read(
        _ fd: Int32,
        _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> IPEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let port: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            var sin = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            }
            inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count))
            port = UInt16(bigEndian: sin.sin_port)
        case AF_INET6:
            var sin6 = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
            }
            inet_ntop(AF_INET6, &sin6.sin6_addr, &text, socklen_t(text.count))
            port = UInt16(bigEndian: sin6.sin6_port)
        default:
            return nil
        }
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return IPEndpoint(host: host, port: Int(port))
    }
}
