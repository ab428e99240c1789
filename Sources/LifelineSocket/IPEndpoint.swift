#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// The address family of an ``IPEndpoint``.
public enum IPAddressFamily: Sendable, Hashable {
    case inet
    case inet6
}

/// A numeric IP address and a port: what a listener binds.
public struct IPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The address as written, e.g. `0.0.0.0` or `::1`.
    public var host: String
    public var port: Int
    public let family: IPAddressFamily

    /// Parses a numeric IPv4 or IPv6 address; `nil` if `host` is not one.
    public init?(host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        if Self.parse4(host) != nil {
            family = .inet
        } else if Self.parse6(host) != nil {
            family = .inet6
        } else {
            return nil
        }
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:8080` or `[::1]:8080`.
    public var description: String {
        family == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether `host` is a numeric IPv4 or IPv6 address.
    public static func isNumericAddress(_ host: String) -> Bool {
        parse4(host) != nil || parse6(host) != nil
    }

    /// Calls `body` with this endpoint as a `sockaddr`.
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch family {
        case .inet:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            sin.sin_addr = Self.parse4(host)!
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .inet6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            sin6.sin6_addr = Self.parse6(host)!
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    private static func parse4(_ host: String) -> in_addr? {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 ? address : nil
    }

    private static func parse6(_ host: String) -> in6_addr? {
        var address = in6_addr()
        return inet_pton(AF_INET6, host, &address) == 1 ? address : nil
    }
}
