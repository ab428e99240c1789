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

/// Applies FILTER_CHAIN patches to one listener, as istiod does: for each filter chain, the FILTER_CHAIN MERGEs and
/// REMOVEs in order, then its network filters (see ``NetworkFilterPatcher``); then the FILTER_CHAIN ADDs, which
/// append to the listener's `filter_chains` and which no NETWORK_FILTER patch of the run sees.
enum FilterChainPatcher {
    static func apply(to listener: inout ConfigTree, _ run: inout PatchRun) {
        let facts = ListenerFacts(listener)
        let adds = run.patches(.filterChain).filter {
            $0.operation == .add && PatchMatcher.matches($0.patch.match.listener, listener: facts)
        }
        listener.updateProtoField("filter_chains", creating: adds.isEmpty ? nil : ConfigTree(.array([]))) { chains in
            chains.updateElements { elements in
                elements = elements.compactMap { chain in
                    var chain = chain
                    return patchChain(&chain, facts, &run) ? chain : nil
                }
                for add in adds {
                    elements.append(add.insertedValue)
                    run.markMatched(add)
                }
            }
        }
    }

    /// Returns `false` when a patch removed the chain.
    private static func patchChain(_ chain: inout ConfigTree, _ facts: ListenerFacts, _ run: inout PatchRun) -> Bool {
        // istiod passes over chains without filters (it uses an empty list to mark removed ones).
        guard chain.entries != nil, chain.protoField("filters")?.elements?.isEmpty == false else { return true }
        for patch in run.patches(.filterChain) where patch.operation != .add {
            let match = patch.patch.match.listener
            guard PatchMatcher.matches(match, listener: facts), PatchMatcher.matches(match, chain: chain) else {
                continue
            }
            run.markMatched(patch)
            if patch.operation == .remove { return false }
            run.merge(patch, into: &chain)
        }
        NetworkFilterPatcher.apply(to: &chain, facts, &run)
        return true
    }
}

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
