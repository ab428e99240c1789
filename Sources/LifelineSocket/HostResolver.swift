#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves a host name to IP endpoints with `getaddrinfo(3)`, for DNS clusters at start-up.
public enum HostResolver {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var code: Int32
        public var description: String { String(cString: gai_strerror(code)) }
    }

    /// Every distinct TCP address of `host`, in resolver order.
    public static func resolve(host: String, port: Int) throws(Failure) -> [IPEndpoint] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw Failure(code: status) }
        defer { freeaddrinfo(list) }

        var endpoints: [IPEndpoint] = []
        var cursor = list
        while let info = cursor?.pointee {
            defer { cursor = info.ai_next }
            guard let address = info.ai_addr else { continue }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch info.ai_family {
            case AF_INET:
                var sin = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count))
            case AF_INET6:
                var sin6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                inet_ntop(AF_INET6, &sin6.sin6_addr, &text, socklen_t(text.count))
            default:
                continue
            }
            let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let endpoint = IPEndpoint(host: host, port: port), !endpoints.contains(endpoint) {
                endpoints.append(endpoint)
            }
        }
        return endpoints
    }
}
