public import LifelineConfig

/// The cap on downstream connections of all listeners together (Envoy's
/// `envoy.resource_monitors.global_downstream_max_connections`), with where it came from.
///
/// Where the config is silent Lifeline sets its own cap from the fd limit, so that the gateway stops accepting
/// before it runs out of descriptors rather than spinning on `EMFILE`: each proxied connection holds two (the
/// downstream socket and the upstream one), and ``reservedDescriptors`` are kept for the listening sockets, the
/// admin endpoint and files.
public struct ConnectionLimitPlan: Sendable, Hashable {
    /// Descriptors the default leaves out of the budget: listening sockets, the admin endpoint, files, logs.
    public static let reservedDescriptors = 64
    /// The default when the fd limit is unknown or unlimited: Envoy's own fallback is no cap at all, which is what
    /// this amounts to on any real machine.
    public static let unlimited = Int.max

    /// Connections accepted beyond this many open ones are closed at once.
    public var maxConnections: Int
    /// The config path of `max_active_downstream_connections`, or `default: RLIMIT_NOFILE 20000 → 9968`.
    public var source: String
    /// Whether Lifeline chose the cap (the config is silent).
    public var isDefault: Bool

    public init(maxConnections: Int, source: String, isDefault: Bool) {
        self.maxConnections = maxConnections
        self.source = source
        self.isDefault = isDefault
    }

    /// The configured cap.
    public init(_ config: GlobalConnectionLimitConfig) {
        self.init(
            maxConnections: Int(clamping: config.maxActiveDownstreamConnections),
            source: config.origin.path,
            isDefault: false
        )
    }

    /// Lifeline's default for a process whose soft `RLIMIT_NOFILE` is `openFilesLimit` (nil: unlimited or
    /// unknown): (limit − ``reservedDescriptors``) ÷ 2, at least 1.
    public static func defaultLimit(openFilesLimit: Int?) -> ConnectionLimitPlan {
        guard let openFilesLimit else {
            return ConnectionLimitPlan(
                maxConnections: unlimited,
                source: "default: RLIMIT_NOFILE unlimited → no cap",
                isDefault: true
            )
        }
        let cap = max(1, (openFilesLimit - reservedDescriptors) / 2)
        return ConnectionLimitPlan(
            maxConnections: cap,
            source: "default: RLIMIT_NOFILE \(openFilesLimit) → \(cap)",
            isDefault: true
        )
    }
}
