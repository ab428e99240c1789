import LifelineConfig

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
