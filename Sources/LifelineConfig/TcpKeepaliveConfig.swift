/// `envoy.config.core.v3.TcpKeepalive`, plus Lifeline's `enabled` switch.
///
/// As in Envoy, its presence turns keepalive on (SO_KEEPALIVE) and each field it sets becomes one option; a field it
/// leaves out stays the kernel's (`net.ipv4.tcp_keepalive_*`), so `tcp_keepalive: {}` is SO_KEEPALIVE alone.
/// Lifeline keeps keepalive on where a config is silent, so it adds `enabled: false` (a Lifeline extension) to say
/// "off".
public struct TcpKeepaliveConfig: Sendable, Hashable {
    /// Linux's accepted ranges (`tcp(7)`): TCP_KEEPIDLE and TCP_KEEPINTVL 1...32767 s, TCP_KEEPCNT 1...127.
    public static let timeRange: ClosedRange<Int64> = 1...32767
    public static let probesRange: ClosedRange<Int64> = 1...127

    /// `keepalive_probes`: unanswered probes before the connection is reset (TCP_KEEPCNT, tcp(7)).
    public var keepaliveProbes: Int?
    /// `keepalive_time`: seconds without traffic before the first probe (TCP_KEEPIDLE, tcp(7)).
    public var keepaliveTime: Int?
    /// `keepalive_interval`: seconds between probes (TCP_KEEPINTVL, tcp(7)).
    public var keepaliveInterval: Int?
    /// `enabled` (Lifeline extension): `false` turns keepalive off (SO_KEEPALIVE=0, socket(7)).
    public var enabled: Bool
    public var origin: ConfigOrigin
    /// Where each set field was written, spelled as written and naming the EnvoyFilter patch that wrote it, which may
    /// differ from the patch (or bootstrap) that wrote the rest of `tcp_keepalive`. `nil` for unset fields.
    public var keepaliveProbesOrigin: ConfigOrigin?
    public var keepaliveTimeOrigin: ConfigOrigin?
    public var keepaliveIntervalOrigin: ConfigOrigin?
    public var enabledOrigin: ConfigOrigin?

    public init(
        keepaliveProbes: Int? = nil,
        keepaliveTime: Int? = nil,
        keepaliveInterval: Int? = nil,
        enabled: Bool = true,
        origin: ConfigOrigin
    ) {
        self.keepaliveProbes = keepaliveProbes
        self.keepaliveTime = keepaliveTime
        self.keepaliveInterval = keepaliveInterval
        self.enabled = enabled
        self.origin = origin
        self.keepaliveProbesOrigin = nil
        self.keepaliveTimeOrigin = nil
        self.keepaliveIntervalOrigin = nil
        self.enabledOrigin = nil
    }

    static func decode(_ field: FieldValue) -> TcpKeepaliveConfig? {
        guard var reader = field.object() else { return nil }
        let probesField = reader.field("keepalive_probes")
        let probes = probesField?.integer(in: probesRange, unit: "TCP_KEEPCNT")
        let timeField = reader.field("keepalive_time")
        let time = timeField?.integer(in: timeRange, unit: "TCP_KEEPIDLE, seconds")
        let intervalField = reader.field("keepalive_interval")
        let interval = intervalField?.integer(in: timeRange, unit: "TCP_KEEPINTVL, seconds")
        let enabledField = reader.field("enabled")
        let enabled = enabledField?.bool()
        reader.finish()
        var config = TcpKeepaliveConfig(
            keepaliveProbes: probes.map(Int.init),
            keepaliveTime: time.map(Int.init),
            keepaliveInterval: interval.map(Int.init),
            enabled: enabled ?? true,
            origin: reader.origin
        )
        config.keepaliveProbesOrigin = probes == nil ? nil : probesField?.origin
        config.keepaliveTimeOrigin = time == nil ? nil : timeField?.origin
        config.keepaliveIntervalOrigin = interval == nil ? nil : intervalField?.origin
        config.enabledOrigin = enabled == nil ? nil : enabledField?.origin
        return config
    }
}
