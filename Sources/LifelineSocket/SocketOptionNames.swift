#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Symbolic socket option names and the numbers they have on the running platform.
///
/// Configs may spell `level` and `name` as names (`SOL_SOCKET`, `TCP_KEEPIDLE`) or as numbers; numbers are named back
/// when printing a plan. A name that this platform lacks is reported as such instead of failing at `setsockopt`.
public enum SocketOptionNames {
    /// One known option name at its level.
    public struct Entry: Sendable, Hashable {
        public var level: Int32
        public var name: Int32
        public var levelName: String
        public var optionName: String
        /// Whether the option takes an `int` (otherwise a buffer).
        public var takesInt: Bool
    }

    /// The protocol levels known by name.
    public static let levels: [String: Int32] = [
        "SOL_SOCKET": Int32(SOL_SOCKET),
        "IPPROTO_TCP": Int32(IPPROTO_TCP),
        "IPPROTO_IP": Int32(IPPROTO_IP),
        "IPPROTO_IPV6": Int32(IPPROTO_IPV6),
    ]

    /// Every option known by name on this platform.
    public static let entries: [Entry] = {
        let socket = Int32(SOL_SOCKET)
        let tcp = Int32(IPPROTO_TCP)
        let ip = Int32(IPPROTO_IP)
        let ipv6 = Int32(IPPROTO_IPV6)
        var table: [(Int32, String, Int32, String, Bool)] = [
            (socket, "SOL_SOCKET", Int32(SO_KEEPALIVE), "SO_KEEPALIVE", true),
            (socket, "SOL_SOCKET", Int32(SO_REUSEADDR), "SO_REUSEADDR", true),
            (socket, "SOL_SOCKET", Int32(SO_REUSEPORT), "SO_REUSEPORT", true),
            (socket, "SOL_SOCKET", Int32(SO_RCVBUF), "SO_RCVBUF", true),
            (socket, "SOL_SOCKET", Int32(SO_SNDBUF), "SO_SNDBUF", true),
            (socket, "SOL_SOCKET", Int32(SO_RCVLOWAT), "SO_RCVLOWAT", true),
            (socket, "SOL_SOCKET", Int32(SO_BROADCAST), "SO_BROADCAST", true),
            (socket, "SOL_SOCKET", Int32(SO_LINGER), "SO_LINGER", false),
            (tcp, "IPPROTO_TCP", Int32(TCP_NODELAY), "TCP_NODELAY", true),
            (tcp, "IPPROTO_TCP", Int32(TCP_KEEPINTVL), "TCP_KEEPINTVL", true),
            (tcp, "IPPROTO_TCP", Int32(TCP_KEEPCNT), "TCP_KEEPCNT", true),
            (tcp, "IPPROTO_TCP", Int32(TCP_MAXSEG), "TCP_MAXSEG", true),
            (ip, "IPPROTO_IP", Int32(IP_TOS), "IP_TOS", true),
            (ip, "IPPROTO_IP", Int32(IP_TTL), "IP_TTL", true),
            (ipv6, "IPPROTO_IPV6", Int32(IPV6_V6ONLY), "IPV6_V6ONLY", true),
            (ipv6, "IPPROTO_IPV6", Int32(IPV6_TCLASS), "IPV6_TCLASS", true),
            (ipv6, "IPPROTO_IPV6", Int32(IPV6_UNICAST_HOPS), "IPV6_UNICAST_HOPS", true),
        ]
        #if os(Linux)
            table += [
                (socket, "SOL_SOCKET", Int32(SO_MARK), "SO_MARK", true),
                (socket, "SOL_SOCKET", Int32(SO_PRIORITY), "SO_PRIORITY", true),
                (socket, "SOL_SOCKET", Int32(SO_BINDTODEVICE), "SO_BINDTODEVICE", false),
                (tcp, "IPPROTO_TCP", Int32(TCP_KEEPIDLE), "TCP_KEEPIDLE", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_USER_TIMEOUT), "TCP_USER_TIMEOUT", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_FASTOPEN), "TCP_FASTOPEN", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_DEFER_ACCEPT), "TCP_DEFER_ACCEPT", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_NOTSENT_LOWAT), "TCP_NOTSENT_LOWAT", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_QUICKACK), "TCP_QUICKACK", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_CONGESTION), "TCP_CONGESTION", false),
                (ip, "IPPROTO_IP", Int32(IP_TRANSPARENT), "IP_TRANSPARENT", true),
                (ip, "IPPROTO_IP", Int32(IP_FREEBIND), "IP_FREEBIND", true),
                (ip, "IPPROTO_IP", Int32(IP_BIND_ADDRESS_NO_PORT), "IP_BIND_ADDRESS_NO_PORT", true),
            ]
        #elseif canImport(Darwin)
            // Darwin names the keepalive idle time TCP_KEEPALIVE; TCP_KEEPIDLE is accepted as an alias for it.
            table += [
                (tcp, "IPPROTO_TCP", Int32(TCP_KEEPALIVE), "TCP_KEEPIDLE", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_KEEPALIVE), "TCP_KEEPALIVE", true),
                (tcp, "IPPROTO_TCP", Int32(TCP_NOTSENT_LOWAT), "TCP_NOTSENT_LOWAT", true),
            ]
        #endif
        return table.map { Entry(level: $0.0, name: $0.2, levelName: $0.1, optionName: $0.3, takesInt: $0.4) }
    }()

    /// Option names that exist on some platform Lifeline supports but not on this one.
    public static let otherPlatformNames: Set<String> = [
        "SO_MARK", "SO_PRIORITY", "SO_BINDTODEVICE", "TCP_KEEPIDLE", "TCP_KEEPALIVE", "TCP_USER_TIMEOUT",
        "TCP_FASTOPEN", "TCP_DEFER_ACCEPT", "TCP_NOTSENT_LOWAT", "TCP_QUICKACK", "TCP_CONGESTION", "IP_TRANSPARENT",
        "IP_FREEBIND", "IP_BIND_ADDRESS_NO_PORT",
    ]

    /// The entry for an option name, e.g. `TCP_KEEPIDLE`.
    public static func entry(optionName: String) -> Entry? {
        entries.first { $0.optionName == optionName }
    }

    /// The entry for a numeric pair, if the pair has a name here.
    public static func entry(level: Int32, name: Int32) -> Entry? {
        entries.first { $0.level == level && $0.name == name }
    }

    /// `SOL_SOCKET/SO_KEEPALIVE` for a known pair, otherwise `level 1 name 99`.
    public static func display(level: Int32, name: Int32) -> String {
        if let entry = entry(level: level, name: name) {
            return "\(entry.levelName)/\(entry.optionName)"
        }
        if let levelName = levels.first(where: { $0.value == level })?.key {
            return "\(levelName)/\(name)"
        }
        return "level \(level) name \(name)"
    }

    /// The well-known options that Lifeline itself sets, by role.
    public enum Known {
        public static var keepalive: (level: Int32, name: Int32) { (Int32(SOL_SOCKET), Int32(SO_KEEPALIVE)) }
        public static var reuseAddress: (level: Int32, name: Int32) { (Int32(SOL_SOCKET), Int32(SO_REUSEADDR)) }
        public static var reusePort: (level: Int32, name: Int32) { (Int32(SOL_SOCKET), Int32(SO_REUSEPORT)) }
        public static var keepaliveInterval: (level: Int32, name: Int32) { (Int32(IPPROTO_TCP), Int32(TCP_KEEPINTVL)) }
        public static var keepaliveCount: (level: Int32, name: Int32) { (Int32(IPPROTO_TCP), Int32(TCP_KEEPCNT)) }
        #if os(Linux)
            public static var keepaliveIdle: (level: Int32, name: Int32) { (Int32(IPPROTO_TCP), Int32(TCP_KEEPIDLE)) }
            public static var userTimeout: (level: Int32, name: Int32)? {
                (Int32(IPPROTO_TCP), Int32(TCP_USER_TIMEOUT))
            }
        #elseif canImport(Darwin)
            public static var keepaliveIdle: (level: Int32, name: Int32) { (Int32(IPPROTO_TCP), Int32(TCP_KEEPALIVE)) }
            public static var userTimeout: (level: Int32, name: Int32)? { nil }
        #endif
    }
}
