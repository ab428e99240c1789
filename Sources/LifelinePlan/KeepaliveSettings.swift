import LifelineSocket

/// The keepalive a socket ends up with, read off its planned options, each value with the source that set it.
public struct KeepaliveSettings: Sendable, Hashable {
    /// A value and the source that won for it.
    public struct Setting: Sendable, Hashable {
        public var value: Int
        public var source: String
    }

    /// SO_KEEPALIVE; nil when no option sets it (the kernel's default: off).
    public var enabled: Setting?
    /// TCP_KEEPIDLE, seconds; nil: the kernel's default, 7200 s.
    public var time: Setting?
    /// TCP_KEEPINTVL, seconds; nil: the kernel's default, 75 s.
    public var interval: Setting?
    /// TCP_KEEPCNT; nil: the kernel's default, 9.
    public var probes: Setting?
    /// TCP_USER_TIMEOUT, milliseconds; nil or 0: off.
    public var userTimeout: Setting?

    /// Linux's defaults (`/proc/sys/net/ipv4/tcp_keepalive_*`) for what no option sets.
    public static let kernelTime = 7200
    public static let kernelInterval = 75
    public static let kernelProbes = 9

    public init(options: [PlannedSocketOption]) {
        let known = SocketOptionNames.Known.self
        func setting(_ key: (level: Int32, name: Int32)?) -> Setting? {
            guard let key,
                let planned = options.last(where: { $0.option.level == key.level && $0.option.name == key.name }),
                case .int(let value) = planned.option.value
            else { return nil }
            return Setting(value: Int(value), source: planned.source)
        }
        enabled = setting(known.keepalive)
        time = setting(known.keepaliveIdle)
        interval = setting(known.keepaliveInterval)
        probes = setting(known.keepaliveCount)
        userTimeout = setting(known.userTimeout)
    }

    public var isOn: Bool { (enabled?.value ?? 0) != 0 }
    public var effectiveTime: Int { time?.value ?? Self.kernelTime }
    public var effectiveInterval: Int { interval?.value ?? Self.kernelInterval }
    public var effectiveProbes: Int { probes?.value ?? Self.kernelProbes }
    /// TCP_USER_TIMEOUT in milliseconds, nil when off.
    public var effectiveUserTimeout: Int? {
        guard let value = userTimeout?.value, value > 0 else { return nil }
        return value
    }
}
