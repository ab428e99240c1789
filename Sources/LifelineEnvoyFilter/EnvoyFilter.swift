public import LifelineConfig

/// An Istio `EnvoyFilter` (`networking.istio.io/v1alpha3`): patches to Envoy config, as Lifeline applies them to a
/// bootstrap before decoding it.
///
/// ``EnvoyFilterLoader`` reads them from files; ``EnvoyFilterApplier`` picks the ones that apply to the gateway and
/// applies them in Istio's order.
public struct EnvoyFilter: Sendable {
    /// `metadata.name`.
    public var name: String
    /// `metadata.namespace`; without one, `default`, as `kubectl apply` would put it.
    public var namespace: String
    /// `spec.workloadSelector.labels`: the filter applies only to a gateway that carries every one of these labels.
    /// Empty, as when `workloadSelector` is absent: it applies to every gateway its namespace lets it reach.
    public var workloadSelector: [String: String]
    /// `spec.priority`: filters with a lower priority run first. Default 0; the range is that of an int32.
    public var priority: Int
    /// Every entry of `spec.configPatches`, in the order written, as far as it could be read.
    public var patchEntries: [PatchEntry]
    /// Stands in for Istio's creation time when ordering filters of equal priority: the position among the filters
    /// that one ``EnvoyFilterLoader`` call read (files in the order given, documents and `List` items in file
    /// order). Filters from separate calls may share a number; the name decides between them.
    public var sourceOrder: Int
    /// What was found wrong or worth a warning in the filter's spec (everything but `apiVersion`, `kind` and
    /// `metadata`), in the order found, each with the patch it belongs to. They count only if the filter (and, for a
    /// patch's, the patch) applies to the gateway: ``EnvoyFilterApplier`` reports them then, and a filter meant for
    /// other workloads never fails the gateway.
    public var specDiagnostics: [SpecDiagnostic]
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
        specDiagnostics: [SpecDiagnostic] = [],
        origin: ConfigOrigin = ConfigOrigin(path: "")
    ) {
        self.name = name
        self.namespace = namespace
        self.workloadSelector = workloadSelector
        self.priority = priority
        self.patchEntries = configPatches.enumerated().map { index, patch in
            PatchEntry(index: index, match: patch.match, patch: patch, origin: patch.origin)
        }
        self.sourceOrder = sourceOrder
        self.specDiagnostics = specDiagnostics
        self.origin = origin
    }

    /// `namespace/name`, as Istio names the resource.
    public var qualifiedName: String { "\(namespace)/\(name)" }

    /// The patches that could be read (their applyTo and operation are known), in the order written.
    public var configPatches: [ConfigPatch] { patchEntries.compactMap(\.patch) }

    /// The errors in the spec, as if the gateway selected the filter and every patch.
    public var errors: [ConfigDiagnostic] { specDiagnostics.map(\.diagnostic).filter { $0.severity == .error } }

    /// The warnings about the spec, as if the gateway selected the filter and every patch.
    public var warnings: [ConfigDiagnostic] { specDiagnostics.map(\.diagnostic).filter { $0.severity == .warning } }

    /// Whether the gateway's `labels` carry every `workloadSelector` label with the same value.
    public func selects(labels: [String: String]) -> Bool {
        workloadSelector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// The `provenance` Lifeline records on every value that patch `index` of this filter puts into a config.
    public func provenance(ofPatch index: Int) -> String {
        "EnvoyFilter \(qualifiedName) patch \(index)"
    }
}

extension EnvoyFilter {
    /// One entry of `spec.configPatches`.
    public struct PatchEntry: Sendable {
        /// The position in `spec.configPatches`: `patch <index>` in messages and provenance.
        public var index: Int
        /// `match`, as far as it could be read (the same as `patch.match` when there is a patch). Its `context` and
        /// `proxy` decide whether the patch applies to the gateway at all.
        public var match: ObjectMatch
        /// The patch; `nil` when its applyTo or operation could not be read (an error in ``specDiagnostics`` says
        /// why).
        public var patch: ConfigPatch?
        /// Where the entry was written.
        public var origin: ConfigOrigin

        public init(index: Int, match: ObjectMatch, patch: ConfigPatch?, origin: ConfigOrigin) {
            self.index = index
            self.match = match
            self.patch = patch
            self.origin = origin
        }
    }

    /// A problem found in a filter's spec, and the part it belongs to.
    public struct SpecDiagnostic: Sendable {
        public var diagnostic: ConfigDiagnostic
        /// The index in `spec.configPatches` of the patch it belongs to; `nil` for the rest of the spec.
        public var patchIndex: Int?

        public init(_ diagnostic: ConfigDiagnostic, patchIndex: Int? = nil) {
            self.diagnostic = diagnostic
            self.patchIndex = patchIndex
        }
    }

    /// A filter, or one patch of it, that does not apply to the gateway, and why: its namespace, its
    /// `workloadSelector`, or a patch's `match.context` or `match.proxy`. Not an error: istiod would not apply it to
    /// this gateway either.
    public struct NotSelected: Sendable, Hashable, CustomStringConvertible {
        /// `namespace/name`.
        public var filterName: String
        /// The patch's index in `spec.configPatches`; `nil` when the whole filter is not selected.
        public var patchIndex: Int?
        /// Why, e.g. `context SIDECAR_OUTBOUND does not apply to a gateway`.
        public var reason: String

        public init(filterName: String, patchIndex: Int? = nil, reason: String) {
            self.filterName = filterName
            self.patchIndex = patchIndex
            self.reason = reason
        }

        /// `istio-system/foo: not selected: <reason>`, or `istio-system/foo patch 1: not selected: <reason>`.
        public var description: String {
            "\(filterName)\(patchIndex.map { " patch \($0)" } ?? ""): not selected: \(reason)"
        }
    }
}
