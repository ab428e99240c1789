import LifelineConfig

/// Applies LISTENER patches, walking each listener as istiod's listener patcher does: for every listener, the
/// LISTENER MERGEs and REMOVEs in order (a REMOVE ends the listener's turn), then its filter chains (see
/// ``FilterChainPatcher``); LISTENER ADDs come last, so that no other patch in the run edits the listeners they add.
enum ListenerPatcher {
    static func apply(to root: inout ConfigTree, _ run: inout PatchRun) {
        ResourceListPatcher.apply(.listener, field: "listeners", to: &root, &run, patchElement: patchListener)
    }

    /// Returns `false` when a patch removed the listener.
    private static func patchListener(_ listener: inout ConfigTree, _ run: inout PatchRun) -> Bool {
        guard listener.entries != nil else { return true }
        for patch in run.patches(.listener) where patch.operation != .add {
            // Matched afresh each time: an earlier MERGE may have renamed the listener.
            guard PatchMatcher.matches(patch.patch.match.listener, listener: ListenerFacts(listener)) else { continue }
            run.markMatched(patch)
            if patch.operation == .remove { return false }
            run.merge(patch, into: &listener)
        }
        FilterChainPatcher.apply(to: &listener, &run)
        return true
    }
}
