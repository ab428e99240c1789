/// The keepalive schedule the kernel gives a socket with SO_KEEPALIVE on for every value no option sets
/// (`tcp(7)`: `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`).
///
/// Linux keeps these per network namespace; ``current()`` reads the namespace the process runs in.
public struct KernelKeepalive: Sendable, Hashable {
    /// Seconds of idleness before the first probe (`net.ipv4.tcp_keepalive_time`).
    public var time: Int
    /// Seconds between probes (`net.ipv4.tcp_keepalive_intvl`).
    public var interval: Int
    /// Unanswered probes before the connection is reset (`net.ipv4.tcp_keepalive_probes`).
    public var probes: Int

    public static let timeSysctl = "net.ipv4.tcp_keepalive_time"
    public static let intervalSysctl = "net.ipv4.tcp_keepalive_intvl"
    public static let probesSysctl = "net.ipv4.tcp_keepalive_probes"

    /// Linux's compiled-in values: 7200 s, 75 s, 9 probes.
    public static let linuxDefaults = KernelKeepalive(time: 7200, interval: 75, probes: 9)

    public init(time: Int, interval: Int, probes: Int) {
        self.time = time
        self.interval = interval
        self.probes = probes
    }

    /// The values in force for this process's network namespace; Linux's compiled-in value for any it cannot read.
    public static func current() -> KernelKeepalive {
        KernelKeepalive(
            time: SystemLimits.sysctl(timeSysctl) ?? linuxDefaults.time,
            interval: SystemLimits.sysctl(intervalSysctl) ?? linuxDefaults.interval,
            probes: SystemLimits.sysctl(probesSysctl) ?? linuxDefaults.probes
        )
    }
}
