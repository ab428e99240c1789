/// The gateway EnvoyFilters are selected for: what istiod knows of a proxy when it picks the filters and patches that
/// apply to it.
///
/// - A filter in `rootNamespace` applies to every gateway its `workloadSelector` matches (every one, without a
///   selector); a filter in any other namespace applies only to gateways in that namespace, so only filters in
///   `namespace` (or the root namespace) can apply.
/// - `labels` are the gateway's workload labels, for `workloadSelector.labels`.
/// - `proxyVersion` and `proxyMetadata` are what a patch's `match.proxy` is matched against: the Istio version and
///   node metadata an Istio proxy reports.
public struct GatewayIdentity: Sendable, Hashable {
    /// The Istio release whose EnvoyFilter semantics Lifeline follows, and the version it presents by default.
    public static let istioRelease = "1.28.0"
    /// Where an Istio ingress gateway runs, and Istio's default root namespace.
    public static let defaultNamespace = "istio-system"

    public var labels: [String: String]
    /// The gateway's own namespace.
    public var namespace: String
    /// The mesh's root namespace (`meshConfig.rootNamespace`), whose EnvoyFilters apply mesh-wide.
    public var rootNamespace: String
    /// The Istio version the gateway presents to `match.proxy.proxyVersion`; empty for none, which no
    /// `proxyVersion` matches (as in istiod).
    public var proxyVersion: String
    /// The node metadata the gateway presents to `match.proxy.metadata`.
    public var proxyMetadata: [String: String]

    public init(
        labels: [String: String] = [:],
        namespace: String = Self.defaultNamespace,
        rootNamespace: String = Self.defaultNamespace,
        proxyVersion: String = Self.istioRelease,
        proxyMetadata: [String: String] = [:]
    ) {
        self.labels = labels
        self.namespace = namespace
        self.rootNamespace = rootNamespace
        self.proxyVersion = proxyVersion
        self.proxyMetadata = proxyMetadata
    }
}
