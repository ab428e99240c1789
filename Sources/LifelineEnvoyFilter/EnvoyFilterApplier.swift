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
/// **Walk.** As in istiod, patches are grouped by `applyTo` (keeping that order) and applied object by object.
/// Route configurations first (istiod patches a route configuration when it builds it, before the listeners that
/// carry it are patched; see ``RouteConfigurationPatcher``): for each HTTP connection manager's inline `route_config`
/// its ROUTE_CONFIGURATION MERGEs, then per virtual host the VIRTUAL_HOST patches and that host's HTTP_ROUTE patches,
/// then the VIRTUAL_HOST ADDs. Then for each listener its LISTENER patches, then for each of its filter chains the
/// FILTER_CHAIN patches, then the NETWORK_FILTER list operations and then, filter by filter, their MERGEs and (for an
/// HTTP connection manager) its HTTP_FILTER patches; then the FILTER_CHAIN ADDs; after all listeners, the LISTENER
/// ADDs. Clusters likewise: MERGE and REMOVE per cluster, then ADD. So a LISTENER patch always runs before a
/// FILTER_CHAIN patch on the same listener, whatever their priorities, and ADDed objects are not edited by other
/// patches of the same run. A patch applies to every object it matches.
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
        RouteConfigurationPatcher.apply(to: &tree, &run)
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

/// The state of one application: the patches in order, which of them matched something, and what went wrong.
struct PatchRun {
    let patches: [ScheduledPatch]
    private(set) var matched: Set<Int> = []
    private(set) var diagnostics = Diagnostics()

    /// `filters` in the order they run, each with only the patches selected for the gateway.
    init(filters: [EnvoyFilter]) {
        var patches: [ScheduledPatch] = []
        for filter in filters {
            for entry in filter.patchEntries {
                guard let patch = entry.patch else { continue }
                patches.append(
                    ScheduledPatch(
                        id: patches.count,
                        patch: patch,
                        filterName: filter.qualifiedName,
                        index: entry.index,
                        provenance: filter.provenance(ofPatch: entry.index)
                    )
                )
            }
        }
        self.patches = patches
    }

    /// The patches for `applyTo`, in order.
    func patches(_ applyTo: EnvoyFilter.ApplyTo) -> [ScheduledPatch] {
        patches.filter { $0.patch.applyTo == applyTo }
    }

    mutating func markMatched(_ patch: ScheduledPatch) {
        matched.insert(patch.id)
    }

    /// MERGEs the patch's value (or `value`, a part of it at `path`) into `target`.
    mutating func merge(
        _ patch: ScheduledPatch,
        _ value: ConfigTree? = nil,
        at path: ConfigPath = .root,
        into target: inout ConfigTree
    ) {
        var merge = ProtoMerge(provenance: patch.provenance, valuePath: patch.valuePath)
        merge.merge(value ?? patch.value, into: &target, at: path)
        diagnostics.append(contentsOf: merge.diagnostics.all)
    }

    /// A warning about `patch`, at the place it was written.
    mutating func warning(_ patch: ScheduledPatch, _ message: String) {
        diagnostics.warning(
            "",
            "EnvoyFilter \(patch.filterName) patch \(patch.index): \(message)",
            location: patch.patch.origin.location
        )
    }

    /// A warning for every patch that matched nothing; istiod says nothing about them.
    mutating func reportUnmatched() {
        for patch in patches where !matched.contains(patch.id) {
            var message =
                "EnvoyFilter \(patch.filterName) patch \(patch.index) (\(patch.patch.matchSummary)) matched nothing"
            if let reason = patch.patch.unmatchedReason {
                message += "; \(reason)"
            }
            diagnostics.warning("", message, location: patch.patch.origin.location)
        }
    }
}

/// One patch in the order patches run, with the filter it came from.
struct ScheduledPatch {
    /// Position in the run, for bookkeeping.
    let id: Int
    let patch: EnvoyFilter.ConfigPatch
    /// `namespace/name` of the filter.
    let filterName: String
    /// Index in the filter's `spec.configPatches`.
    let index: Int
    /// `EnvoyFilter <namespace>/<name> patch <n>`, recorded on every value the patch puts into the config.
    let provenance: String

    var operation: EnvoyFilter.Operation { patch.operation }

    /// The patch value; an empty object for REMOVE, which needs none.
    var value: ConfigTree { patch.value ?? ConfigTree(.object([])) }

    /// Where the value was written, for messages: `spec.configPatches[0].patch.value`.
    var valuePath: String { ProtoMerge.joining(patch.origin.path, ConfigPath([.key("patch"), .key("value")])) }

    /// The value as ADD, INSERT_* and REPLACE put it into the config: the whole object marked as this patch's.
    var insertedValue: ConfigTree { ProtoMerge.stamped(value, provenance) }
}

/// The problems found so far, kept in order so that every one is reported at once.
struct Diagnostics {
    private(set) var all: [ConfigDiagnostic] = []

    var hasErrors: Bool { all.contains { $0.severity == .error } }
    var errors: [ConfigDiagnostic] { all.filter { $0.severity == .error } }
    var warnings: [ConfigDiagnostic] { all.filter { $0.severity == .warning } }

    mutating func error(_ path: String, _ message: String, location: SourceLocation?) {
        all.append(ConfigDiagnostic(path: path, message: message, location: location))
    }

    mutating func warning(_ path: String, _ message: String, location: SourceLocation?) {
        all.append(ConfigDiagnostic(severity: .warning, path: path, message: message, location: location))
    }

    mutating func append(contentsOf diagnostics: [ConfigDiagnostic]) {
        all += diagnostics
    }
}
