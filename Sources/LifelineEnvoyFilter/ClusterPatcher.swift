import LifelineConfig

/// Applies CLUSTER patches as istiod does: for every cluster, the MERGEs and REMOVEs in order (a REMOVE ends the
/// cluster's turn); then the ADDs append their clusters, which no other patch of the run edits.
enum ClusterPatcher {
    static func apply(to root: inout ConfigTree, _ run: inout PatchRun) {
        ResourceListPatcher.apply(.cluster, field: "clusters", to: &root, &run, patchElement: patchCluster)
    }

    /// Returns `false` when a patch removed the cluster.
    private static func patchCluster(_ cluster: inout ConfigTree, _ run: inout PatchRun) -> Bool {
        guard cluster.entries != nil else { return true }
        for patch in run.patches(.cluster) where patch.operation != .add {
            guard PatchMatcher.matches(patch.patch.match.cluster, cluster: cluster) else { continue }
            run.markMatched(patch)
            if patch.operation == .remove { return false }
            run.merge(patch, into: &cluster)
        }
        return true
    }
}
