public import LifelineSocket

/// The keepalive a socket ends up with, read off its planned options, each value with the source that set it; what no
/// option sets is the kernel's.
public struct KeepaliveSettings: Sendable, Hashable {
    /// A value and the source that won for it.
    public struct Setting: Sendable, Hashable {
        public var value: Int
        public var source: String
    }

    /// SO_KEEPALIVE; nil when no option sets it (the kernel's default: off).
    public var enabled: Setting?
    /// TCP_KEEPIDLE, seconds; nil: the kernel's `net.ipv4.tcp_keepalive_time`.
    public var time: Setting?
    /// TCP_KEEPINTVL, seconds; nil: the kernel's `net.ipv4.tcp_keepalive_intvl`.
    public var interval: Setting?
    /// TCP_KEEPCNT; nil: the kernel's `net.ipv4.tcp_keepalive_probes`.
    public var probes: Setting?
    /// TCP_USER_TIMEOUT, milliseconds; nil or 0: off.
    public var userTimeout: Setting?
    /// The kernel's values for what no option sets.
    public var kernel: KernelKeepalive

    /// - Parameter options: in the order they are applied; the last one for an option is the value the socket keeps.
    public init(options: [PlannedSocketOption], kernel: KernelKeepalive = .linuxDefaults) {
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
        self.kernel = kernel
    }

    public var isOn: Bool { (enabled?.value ?? 0) != 0 }
    public var effectiveTime: Int { time?.value ?? kernel.time }
    public var effectiveInterval: Int { interval?.value ?? kernel.interval }
    public var effectiveProbes: Int { probes?.value ?? kernel.probes }
    /// TCP_USER_TIMEOUT in milliseconds, nil when off.
    public var effectiveUserTimeout: Int? {
        guard let value = userTimeout?.value, value > 0 else { return nil }
        return value
    }

    /// Where each effective value comes from: the option's source, or `kernel default (net.ipv4.tcp_keepalive_time)`.
    public var enabledSource: String { enabled?.source ?? "kernel default (off)" }
    public var timeSource: String { time?.source ?? Self.kernelSource(KernelKeepalive.timeSysctl) }
    public var intervalSource: String { interval?.source ?? Self.kernelSource(KernelKeepalive.intervalSysctl) }
    public var probesSource: String { probes?.source ?? Self.kernelSource(KernelKeepalive.probesSysctl) }

    /// Whether the idle time is the kernel's because no option sets it.
    public var timeIsKernels: Bool { time == nil }

    private static func kernelSource(_ sysctl: String) -> String {
        "kernel default (\(sysctl))"
    }
}
