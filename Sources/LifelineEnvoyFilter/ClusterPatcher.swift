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

/// What LISTENER and CLUSTER patches share, as istiod applies them to a resource list: each element of
/// `static_resources.<field>` in turn gets its MERGEs and REMOVEs, then the ADDs append their elements (creating the
/// list, and `static_resources`, when there are any), so that no other patch of the run edits what they add.
enum ResourceListPatcher {
    /// `patchElement` patches one element and returns `false` when a patch removed it.
    static func apply(
        _ applyTo: EnvoyFilter.ApplyTo,
        field: String,
        to root: inout ConfigTree,
        _ run: inout PatchRun,
        patchElement: (inout ConfigTree, inout PatchRun) -> Bool
    ) {
        let adds = run.patches(applyTo).filter { $0.operation == .add }
        root.updateProtoField("static_resources", creating: adds.isEmpty ? nil : ConfigTree(.object([]))) { resources in
            resources.updateProtoField(field, creating: adds.isEmpty ? nil : ConfigTree(.array([]))) { list in
                list.updateElements { elements in
                    elements = elements.compactMap { element in
                        var element = element
                        return patchElement(&element, &run) ? element : nil
                    }
                    for add in adds {
                        elements.append(add.insertedValue)
                        run.markMatched(add)
                    }
                }
            }
        }
    }
}
