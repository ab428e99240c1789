import LifelineConfig

/// Applies NETWORK_FILTER patches to one filter chain, as istiod does: first every list operation (ADD, INSERT_*,
/// REPLACE, REMOVE) in order, then, filter by filter, every MERGE in order — so a MERGE also reaches a filter that
/// an insert of the same run put there.
enum NetworkFilterPatcher {
    static func apply(to chain: inout ConfigTree, _ facts: ListenerFacts, _ run: inout PatchRun) {
        let patches = run.patches(.networkFilter).filter {
            PatchMatcher.matches($0.patch.match.listener, listener: facts)
                && PatchMatcher.matches($0.patch.match.listener, chain: chain)
        }
        guard !patches.isEmpty else { return }
        chain.updateProtoField("filters") { filters in
            filters.updateElements { elements in
                for patch in patches where patch.operation != .merge {
                    applyListOperation(patch, to: &elements, &run)
                }
                for index in elements.indices {
                    for patch in patches where patch.operation == .merge {
                        guard PatchMatcher.matches(patch.patch.match.listener, filter: elements[index]) else {
                            continue
                        }
                        merge(patch, into: &elements[index], &run)
                    }
                }
            }
        }
    }

    private static func applyListOperation(
        _ patch: ScheduledPatch,
        to filters: inout [ConfigTree],
        _ run: inout PatchRun
    ) {
        let anchor = patch.patch.match.listener?.filterChain?.filterName
        let anchorIndex = anchor.flatMap { name in filters.firstIndex { $0.protoField("name")?.text == name } }
        switch (patch.operation, anchor, anchorIndex) {
        case (.add, _, _), (.insertAfter, nil, _):
            filters.append(patch.insertedValue)
        case (.insertFirst, _, _), (.insertBefore, nil, _):
            filters.insert(patch.insertedValue, at: 0)
        case (.insertAfter, _, let index?):
            filters.insert(patch.insertedValue, at: index + 1)
        case (.insertBefore, _, let index?):
            filters.insert(patch.insertedValue, at: index)
        case (.replace, _, let index?):
            // Only the first filter of that name, as istiod's replaceFunc.
            filters[index] = patch.insertedValue
        case (.remove, let name?, _?):
            filters.removeAll { $0.protoField("name")?.text == name }
        default:
            // An anchor that is not in this chain, or REPLACE/REMOVE without a filter to act on: nothing to do.
            return
        }
        run.markMatched(patch)
    }

    /// istiod's network filter MERGE: a non-empty `name` renames the filter and `typed_config` merges into the
    /// filter's own; the rest of the value is ignored. Filters without a `typed_config` are passed over.
    private static func merge(_ patch: ScheduledPatch, into filter: inout ConfigTree, _ run: inout PatchRun) {
        guard filter.protoField("typed_config")?.entries != nil else { return }
        run.markMatched(patch)
        let value = patch.value
        if let name = value.protoField("name"), name.text?.isEmpty == false {
            filter.updateProtoField("name", creating: name) { $0 = ProtoMerge.stamped(name, patch.provenance) }
        }
        if let index = value.protoFieldIndex("typed_config"), let entry = value.entries?[index],
            entry.value.entries != nil
        {
            filter.updateProtoField("typed_config") { target in
                run.merge(patch, entry.value, at: ConfigPath([.key(entry.key)]), into: &target)
            }
        }
    }
}
