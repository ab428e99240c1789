public import LifelineConfig

/// An Istio `EnvoyFilter` (`networking.istio.io/v1alpha3`): patches to Envoy config, as Lifeline applies them to a
/// bootstrap before decoding it.
///
/// ``EnvoyFilterLoader`` reads them from files; ``EnvoyFilterApplier`` applies them in Istio's order.
public struct EnvoyFilter: Sendable {
    /// `metadata.name`.
    public var name: String
    /// `metadata.namespace`; Kubernetes' default is `default`.
    public var namespace: String
    /// `spec.workloadSelector.labels`: the filter applies only to a gateway that carries every one of these labels.
    /// Empty, as when `workloadSelector` is absent: it applies to every gateway.
    public var workloadSelector: [String: String]
    /// `spec.priority`: filters with a lower priority run first. Default 0; the range is that of an int32.
    public var priority: Int
    /// `spec.configPatches`, in the order written.
    public var configPatches: [ConfigPatch]
    /// Stands in for Istio's creation time when ordering filters of equal priority: the position among the filters
    /// that one ``EnvoyFilterLoader`` call read (files in the order given, documents and `List` items in file
    /// order). Filters from separate calls may share a number; the name decides between them.
    public var sourceOrder: Int
    /// Problems found while loading that do not stop the filter from applying (a match field istiod ignores, …).
    /// ``EnvoyFilterApplier`` reports them as warnings when the filter applies to the gateway.
    public var warnings: [ConfigDiagnostic]
    /// The document the filter was read from. `path` names it (`istio-system/gateway-keepalive`) when its file holds
    /// several filters, and is empty otherwise.
    public var origin: ConfigOrigin

    public init(
        name: String,
        namespace: String = "default",
        workloadSelector: [String: String] = [:],
        priority: Int = 0,
        configPatches: [ConfigPatch] = [],
        sourceOrder: Int = 0,
        warnings: [ConfigDiagnostic] = [],
        origin: ConfigOrigin = ConfigOrigin(path: "")
    ) {
        self.name = name
        self.namespace = namespace
        self.workloadSelector = workloadSelector
        self.priority = priority
        self.configPatches = configPatches
        self.sourceOrder = sourceOrder
        self.warnings = warnings
        self.origin = origin
    }

    /// `namespace/name`, as Istio names the resource.
    public var qualifiedName: String { "\(namespace)/\(name)" }

    /// Whether this filter applies to a gateway with `labels`: every `workloadSelector` label must be present with
    /// the same value.
    public func selects(labels: [String: String]) -> Bool {
        workloadSelector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// The `provenance` Lifeline records on every value that patch `index` of this filter puts into a config.
    public func provenance(ofPatch index: Int) -> String {
        "EnvoyFilter \(qualifiedName) patch \(index)"
    }
}
