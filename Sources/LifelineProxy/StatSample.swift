/// One stat as read at one moment: what `/stats` prints and Prometheus exports.
public struct StatSample: Sendable, Hashable {
    /// Counters only go up; gauges go up and down.
    public enum Kind: Sendable, Hashable {
        case counter
        case gauge
    }

    /// Envoy's full dotted name: `listener.0.0.0.0_10000.downstream_cx_total`.
    public let name: String
    /// Where the stat lives; ``name`` is its prefix followed by ``leaf``.
    public let scope: StatScope
    /// The name within the scope: `downstream_cx_total`, `ssl.handshake`.
    public let leaf: String
    public let value: Int
    public let kind: Kind
    /// Written since the process started, even if back at 0 (Envoy's `usedonly`).
    public let used: Bool

    public init(scope: StatScope, leaf: String, value: Int, kind: Kind, used: Bool) {
        self.name = scope.prefix + leaf
        self.scope = scope
        self.leaf = leaf
        self.value = value
        self.kind = kind
        self.used = used
    }
}
