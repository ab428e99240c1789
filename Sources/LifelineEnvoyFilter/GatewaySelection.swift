import LifelineConfig

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

/// istiod's choice of the filters and patches that apply to one proxy, for Lifeline's gateway.
///
/// **Filters** (`PushContext.EnvoyFilters`): those in the root namespace and those in the gateway's own namespace,
/// if their `workloadSelector.labels` are all among the gateway's labels (a filter without a selector applies to
/// every gateway of its namespace, or, in the root namespace, to every gateway).
///
/// **Patches** (`proxyMatch` and the patchers' context check): a patch of a selected filter applies if its
/// `match.context` is `GATEWAY` or `ANY` and its `match.proxy` matches: `proxyVersion` found in the gateway's Istio
/// version, every `metadata` key present with the same value.
///
/// Only what is selected is held to Lifeline's supported subset: the diagnostics of a filter that is not selected,
/// or of a patch that is not, are dropped, and it is listed as ``EnvoyFilter/NotSelected`` instead.
struct GatewaySelection {
    /// The selected filters, each with only its selected patches, in the order given.
    private(set) var filters: [EnvoyFilter] = []
    /// The selected filters' spec diagnostics (those of the filter as a whole and of its selected patches).
    private(set) var diagnostics = Diagnostics()
    private(set) var notSelected: [EnvoyFilter.NotSelected] = []

    init(_ filters: [EnvoyFilter], gateway: GatewayIdentity) {
        for filter in filters {
            if let reason = Self.reason(excluding: filter, from: gateway) {
                notSelected.append(EnvoyFilter.NotSelected(filterName: filter.qualifiedName, reason: reason))
                continue
            }
            var kept: [EnvoyFilter.PatchEntry] = []
            var skipped: [EnvoyFilter.NotSelected] = []
            for entry in filter.patchEntries {
                if let reason = Self.reason(excluding: entry.match, from: gateway) {
                    skipped.append(
                        EnvoyFilter.NotSelected(
                            filterName: filter.qualifiedName,
                            patchIndex: entry.index,
                            reason: reason
                        )
                    )
                } else {
                    kept.append(entry)
                }
            }
            let keptIndices = Set(kept.map(\.index))
            diagnostics.append(
                contentsOf: filter.specDiagnostics.filter { $0.patchIndex.map(keptIndices.contains) ?? true }
                    .map(\.diagnostic)
            )
            if kept.isEmpty, let reason = skipped.first?.reason, skipped.allSatisfy({ $0.reason == reason }) {
                // Nothing of the filter applies, for one reason: say it once.
                notSelected.append(EnvoyFilter.NotSelected(filterName: filter.qualifiedName, reason: reason))
            } else {
                notSelected += skipped
            }
            var selected = filter
            selected.patchEntries = kept
            self.filters.append(selected)
        }
    }

    /// Why `filter` does not apply to `gateway`, by its namespace or `workloadSelector`; `nil` when it does.
    static func reason(excluding filter: EnvoyFilter, from gateway: GatewayIdentity) -> String? {
        if filter.namespace != gateway.rootNamespace && filter.namespace != gateway.namespace {
            if gateway.rootNamespace == gateway.namespace {
                return "namespace \(filter.namespace) is neither the root namespace nor the gateway's, "
                    + gateway.namespace
            }
            return "namespace \(filter.namespace) is neither the root namespace, \(gateway.rootNamespace), "
                + "nor the gateway's, \(gateway.namespace)"
        }
        if !filter.selects(labels: gateway.labels) {
            let missing = filter.workloadSelector.filter { gateway.labels[$0.key] != $0.value }
            return "workloadSelector \(Self.pairs(missing)) "
                + (missing.count == 1 ? "is not among the gateway's labels" : "are not all among the gateway's labels")
        }
        return nil
    }

    /// Why a patch with `match` does not apply to `gateway`, by its context or proxy match; `nil` when it does.
    static func reason(excluding match: EnvoyFilter.ObjectMatch, from gateway: GatewayIdentity) -> String? {
        if !match.context.matchesGateway {
            return "context \(match.context.rawValue) does not apply to a gateway"
        }
        guard let proxy = match.proxy else { return nil }
        if let pattern = proxy.proxyVersion, !ProxyVersionPattern.matches(pattern, version: gateway.proxyVersion) {
            if gateway.proxyVersion.isEmpty {
                return "proxyVersion \(pattern) needs an Istio version, and the gateway presents none"
            }
            return "proxyVersion \(pattern) does not match the gateway's Istio version, \(gateway.proxyVersion)"
        }
        let missing = proxy.metadata.filter { gateway.proxyMetadata[$0.key] != $0.value }
        if !missing.isEmpty {
            return "proxy metadata \(Self.pairs(missing)) "
                + (missing.count == 1
                    ? "is not among the gateway's metadata" : "are not all among the gateway's metadata")
        }
        return nil
    }

    /// `a=b, c=d`, sorted by key.
    private static func pairs(_ map: [String: String]) -> String {
        map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}

/// `match.proxy.proxyVersion` as istiod reads it: a regular expression searched for anywhere in the proxy's Istio
/// version (Go's `regexp.MatchString`, not anchored). Swift's `Regex` stands in for RE2; the two agree on the syntax
/// version patterns use (`^1\.28.*`, `1\.2[0-9]`, alternations).
enum ProxyVersionPattern {
    /// Why `pattern` is not a regular expression; `nil` when it is one.
    static func problem(_ pattern: String) -> String? {
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Whether `pattern` matches somewhere in `version`. An invalid pattern matches (its error is reported
    /// elsewhere); an empty version matches nothing, as istiod treats a proxy that reports none.
    static func matches(_ pattern: String, version: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return true }
        guard !version.isEmpty else { return false }
        return (try? regex.matchingSemantics(.unicodeScalar).firstMatch(in: version)) != nil
    }
}
