public import LifelineConfig

/// Applies EnvoyFilter `configPatches` to a bootstrap tree the way istiod applies them to the config it generates for
/// a gateway.
///
/// **Which filters.** Those whose `workloadSelector.labels` are all among the gateway's `labels`; a filter without a
/// selector applies to every gateway.
///
/// **Order.** Istio sorts filters by `spec.priority` (lower first), then creation time, then name. Lifeline has no
/// creation time, so the order the files were given and the documents appear in them stands in for it
/// (``EnvoyFilter/sourceOrder``); then `name.namespace` decides, as in istiod. Within a filter, `configPatches` run
/// in the order written.
///
/// **Walk.** As in istiod, patches are grouped by `applyTo` (keeping that order) and applied object by object:
/// for each listener its LISTENER patches, then for each of its filter chains the FILTER_CHAIN patches, then the
/// NETWORK_FILTER list operations and then their MERGEs filter by filter; then the FILTER_CHAIN ADDs; after all
/// listeners, the LISTENER ADDs. Clusters likewise: MERGE and REMOVE per cluster, then ADD. So a LISTENER patch always
/// runs before a FILTER_CHAIN patch on the same listener, whatever their priorities, and ADDed objects are not edited
/// by other patches of the same run. A patch applies to every object it matches.
///
/// **Match.** Only `GATEWAY` and `ANY` contexts match. A listener without a name is matched by Istio's default
/// name for it, `<address>_<port>`. MERGE is protobuf merge (see the operations on ``EnvoyFilter/Operation``).
public enum EnvoyFilterApplier {
    /// Returns the patched bootstrap tree and the warnings: the filters' own warnings and one for every patch that
    /// matched nothing (istiod is silent about those). Throws ``ConfigError`` with every error found, such as an
    /// `@type` a MERGE would change.
    ///
    /// Every value a patch puts into the tree carries `provenance` `EnvoyFilter <namespace>/<name> patch <n>` and
    /// the source position it had in the filter file.
    public static func apply(
        _ filters: [EnvoyFilter],
        to bootstrap: ConfigTree,
        labels: [String: String]
    ) throws(ConfigError) -> (ConfigTree, warnings: [ConfigDiagnostic]) {
        var run = PatchRun(filters: order(filters.filter { $0.selects(labels: labels) }))
        var tree = bootstrap
        ListenerPatcher.apply(to: &tree, &run)
        ClusterPatcher.apply(to: &tree, &run)
        run.reportUnmatched()
        guard !run.diagnostics.hasErrors else { throw ConfigError(diagnostics: run.diagnostics.all) }
        return (tree, run.diagnostics.warnings)
    }

    /// `filters` in Istio's order: priority, then creation (here: source) order, then `name.namespace`.
    static func order(_ filters: [EnvoyFilter]) -> [EnvoyFilter] {
        filters.enumerated().sorted { left, right in
            let (a, b) = (left.element, right.element)
            if a.priority != b.priority { return a.priority < b.priority }
            if a.sourceOrder != b.sourceOrder { return a.sourceOrder < b.sourceOrder }
            let (aName, bName) = ("\(a.name).\(a.namespace)", "\(b.name).\(b.namespace)")
            if aName != bName { return aName < bName }
            return left.offset < right.offset
        }
        .map(\.element)
    }
}
