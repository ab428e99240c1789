public import LifelineConfig

/// Applies EnvoyFilter `configPatches` to a bootstrap tree the way istiod applies them to the config it generates for
/// a gateway.
///
/// **Which filters.** As istiod picks them for a proxy (see ``GatewayIdentity``): filters in the root namespace and
/// in the gateway's namespace whose `workloadSelector.labels` are all among the gateway's labels (a filter without a
/// selector: every gateway they reach). Of those, the patches whose `match.context` is `GATEWAY` or `ANY` and whose
/// `match.proxy` matches the gateway's Istio version and metadata. The rest are not selected: listed, never errors
/// and never checked against what Lifeline supports.
///
/// **Order.** As istiod sorts them: by `spec.priority` (lower first); at equal priority, root-namespace filters
/// first; then creation time, then `name.namespace`. Lifeline has no creation time, so the order the files were
/// given and the documents appear in them stands in for it (``EnvoyFilter/sourceOrder``). Within a filter,
/// `configPatches` run in the order written.
///
/// **Walk.** As in istiod, patches are grouped by `applyTo` (keeping that order) and applied object by object:
/// for each listener its LISTENER patches, then for each of its filter chains the FILTER_CHAIN patches, then the
/// NETWORK_FILTER list operations and then their MERGEs filter by filter; then the FILTER_CHAIN ADDs; after all
/// listeners, the LISTENER ADDs. Clusters likewise: MERGE and REMOVE per cluster, then ADD. So a LISTENER patch always
/// runs before a FILTER_CHAIN patch on the same listener, whatever their priorities, and ADDed objects are not edited
/// by other patches of the same run. A patch applies to every object it matches.
///
/// **Match.** A listener without a name is matched by Istio's default name for it, `<address>_<port>`. MERGE is
/// protobuf merge (see the operations on ``EnvoyFilter/Operation``).
public enum EnvoyFilterApplier {
    /// What applying the filters gave.
    public struct Outcome: Sendable {
        /// The patched bootstrap.
        public var tree: ConfigTree
        /// The selected filters' and patches' warnings, and one for every selected patch that matched nothing
        /// (istiod is silent about those).
        public var warnings: [ConfigDiagnostic]
        /// The filters and patches that do not apply to the gateway, in the order they would have run.
        public var notSelected: [EnvoyFilter.NotSelected]
    }

    /// Applies the filters that select `gateway`. Throws ``ConfigError`` with every error found in the selected
    /// filters and patches (in their spec, or in applying them, such as an `@type` a MERGE would change), and their
    /// warnings.
    ///
    /// Every value a patch puts into the tree carries `provenance` `EnvoyFilter <namespace>/<name> patch <n>` and
    /// the source position it had in the filter file.
    public static func apply(
        _ filters: [EnvoyFilter],
        to bootstrap: ConfigTree,
        gateway: GatewayIdentity = GatewayIdentity()
    ) throws(ConfigError) -> Outcome {
        let selection = GatewaySelection(order(filters, rootNamespace: gateway.rootNamespace), gateway: gateway)
        guard !selection.diagnostics.hasErrors else { throw ConfigError(diagnostics: selection.diagnostics.all) }
        var run = PatchRun(filters: selection.filters)
        var tree = bootstrap
        ListenerPatcher.apply(to: &tree, &run)
        ClusterPatcher.apply(to: &tree, &run)
        run.reportUnmatched()
        let diagnostics = selection.diagnostics.all + run.diagnostics.all
        guard !run.diagnostics.hasErrors else { throw ConfigError(diagnostics: diagnostics) }
        return Outcome(
            tree: tree,
            warnings: diagnostics.filter { $0.severity == .warning },
            notSelected: selection.notSelected
        )
    }

    /// `filters` in istiod's order: priority; then root-namespace filters before the others; then creation (here:
    /// source) order; then `name.namespace`.
    static func order(_ filters: [EnvoyFilter], rootNamespace: String) -> [EnvoyFilter] {
        filters.enumerated().sorted { left, right in
            let (a, b) = (left.element, right.element)
            if a.priority != b.priority { return a.priority < b.priority }
            if a.namespace != b.namespace && (a.namespace == rootNamespace || b.namespace == rootNamespace) {
                return a.namespace == rootNamespace
            }
            if a.sourceOrder != b.sourceOrder { return a.sourceOrder < b.sourceOrder }
            let (aName, bName) = ("\(a.name).\(a.namespace)", "\(b.name).\(b.namespace)")
            if aName != bName { return aName < bName }
            return left.offset < right.offset
        }
        .map(\.element)
    }
}
