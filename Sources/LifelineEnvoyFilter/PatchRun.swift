import LifelineConfig

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
