public import LifelineSocket

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension IPEndpoint {
    /// Whether the address is a loopback one: 127.0.0.0/8, `::1`, or 127.0.0.0/8 mapped into IPv6.
    public var isLoopback: Bool {
        switch family {
        case .inet:
            var address = in_addr()
            guard inet_pton(AF_INET, host, &address) == 1 else { return false }
            return UInt32(bigEndian: address.s_addr) >> 24 == 127
        case .inet6:
            var address = in6_addr()
            guard inet_pton(AF_INET6, host, &address) == 1 else { return false }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            return mapped && bytes[12] == 127
        }
    }
}
