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
/// an insert of the same run put there — and then, if the filter is an HTTP connection manager, its HTTP_FILTER
/// patches (see ``HTTPFilterPatcher``).
enum NetworkFilterPatcher {
    static func apply(to chain: inout ConfigTree, _ facts: ListenerFacts, _ run: inout PatchRun) {
        let inChain: (ScheduledPatch) -> Bool = {
            PatchMatcher.matches($0.patch.match.listener, listener: facts)
                && PatchMatcher.matches($0.patch.match.listener, chain: chain)
        }
        let patches = run.patches(.networkFilter).filter(inChain)
        let httpPatches = run.patches(.httpFilter).filter(inChain)
        guard !patches.isEmpty || !httpPatches.isEmpty else { return }
        chain.updateProtoField("filters") { filters in
            filters.updateElements { elements in
                for patch in patches where patch.operation != .merge {
                    let anchor = patch.patch.match.listener?.filterChain?.filterName
                    if FilterList.apply(patch, anchor: anchor, to: &elements) != nil { run.markMatched(patch) }
                }
                for index in elements.indices {
                    for patch in patches where patch.operation == .merge {
                        guard PatchMatcher.matches(patch.patch.match.listener, filter: elements[index]) else {
                            continue
                        }
                        FilterList.merge(patch, into: &elements[index], &run)
                    }
                    HTTPFilterPatcher.apply(httpPatches, to: &elements[index], &run)
                }
            }
        }
    }
}

/// Applies HTTP_FILTER patches to one network filter, as istiod does, if the filter is an HTTP connection manager
/// (its `typed_config` is an `HttpConnectionManager`) that the patch's `filterChain.filter.name` names, if it names
/// one: first every list operation on its `http_filters` in order, then, HTTP filter by HTTP filter, every MERGE in
/// order. An operation's anchor is the first HTTP filter whose name is `filterChain.filter.subFilter.name`.
///
/// As in istiod, ADD appends — after the router, where Envoy rejects any filter; Lifeline does the same and warns.
///
/// istiod patches the HTTP filters of a network filter named `envoy.filters.network.http_connection_manager`, the name
/// it gives every connection manager it generates. A bootstrap may name its filters freely, and Envoy knows the
/// extension by its `@type`, so Lifeline goes by the `@type` (and by the name only where the match gives one).
enum HTTPFilterPatcher {
    static let connectionManagerType =
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
    static let routerType = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
    static let routerName = "envoy.filters.http.router"

    /// Whether `filter` is an HTTP connection manager: Envoy picks the extension by its `typed_config`'s `@type`.
    static func isConnectionManager(_ filter: ConfigTree) -> Bool {
        filter.protoField("typed_config")?["@type"]?.text == connectionManagerType
    }

    static func apply(_ patches: [ScheduledPatch], to filter: inout ConfigTree, _ run: inout PatchRun) {
        let patches = patches.filter { PatchMatcher.matches($0.patch.match.listener, filter: filter) }
        guard !patches.isEmpty, isConnectionManager(filter) else { return }
        let inserts = patches.contains { $0.operation != .merge && $0.operation != .remove }
        filter.updateProtoField("typed_config") { config in
            config.updateProtoField("http_filters", creating: inserts ? ConfigTree(.array([])) : nil) { list in
                list.updateElements { elements in
                    for patch in patches where patch.operation != .merge {
                        let anchor = patch.patch.match.listener?.filterChain?.subFilterName
                        guard let index = FilterList.apply(patch, anchor: anchor, to: &elements) else { continue }
                        run.markMatched(patch)
                        warnIfAfterRouter(patch, at: index, in: elements, &run)
                    }
                    for index in elements.indices {
                        for patch in patches where patch.operation == .merge {
                            guard PatchMatcher.matches(patch.patch.match.listener, httpFilter: elements[index]) else {
                                continue
                            }
                            FilterList.merge(patch, into: &elements[index], &run)
                        }
                    }
                }
            }
        }
    }

    /// Envoy requires the router, a terminal filter, to come last; istiod's ADD (and INSERT_AFTER at the end) puts a
    /// filter after it all the same.
    private static func warnIfAfterRouter(
        _ patch: ScheduledPatch,
        at index: Int,
        in filters: [ConfigTree],
        _ run: inout PatchRun
    ) {
        guard patch.operation != .remove, let router = filters[..<index].firstIndex(where: isRouter) else { return }
        let name = filters[index].protoField("name")?.text.map { "\($0) " } ?? ""
        let routerName = filters[router].protoField("name")?.text ?? routerName
        run.warning(
            patch,
            "\(patch.operation.rawValue) puts HTTP filter \(name)after \(routerName), the terminal router, as istiod "
                + "does, and Envoy rejects a filter there; use INSERT_BEFORE with subFilter \(routerName)"
        )
    }

    private static func isRouter(_ filter: ConfigTree) -> Bool {
        filter.protoField("typed_config")?["@type"]?.text == routerType || filter.protoField("name")?.text == routerName
    }
}

/// istiod's operations on a list of named filters, network filters and HTTP filters alike.
enum FilterList {
    /// Carries out a list operation (ADD, INSERT_*, REPLACE, REMOVE); `anchor` is the name of the filter it is
    /// relative to, if the match names one. Returns where the value went (for REMOVE, where the first removed filter
    /// was), or `nil` when there was nothing to do: an anchor that is not in the list, or REPLACE or REMOVE without
    /// one.
    static func apply(_ patch: ScheduledPatch, anchor: String?, to filters: inout [ConfigTree]) -> Int? {
        let anchorIndex = anchor.flatMap { name in filters.firstIndex { $0.protoField("name")?.text == name } }
        switch (patch.operation, anchor, anchorIndex) {
        case (.add, _, _), (.insertAfter, nil, _):
            filters.append(patch.insertedValue)
            return filters.count - 1
        case (.insertFirst, _, _), (.insertBefore, nil, _):
            filters.insert(patch.insertedValue, at: 0)
            return 0
        case (.insertAfter, _, let index?):
            filters.insert(patch.insertedValue, at: index + 1)
            return index + 1
        case (.insertBefore, _, let index?):
            filters.insert(patch.insertedValue, at: index)
            return index
        case (.replace, _, let index?):
            // Only the first filter of that name, as istiod's replaceFunc.
            filters[index] = patch.insertedValue
            return index
        case (.remove, let name?, let index?):
            filters.removeAll { $0.protoField("name")?.text == name }
            return index
        default:
            return nil
        }
    }

    /// istiod's filter MERGE: a non-empty `name` renames the filter and `typed_config` merges into the filter's own;
    /// the rest of the value is ignored. Filters without a `typed_config` are passed over.
    static func merge(_ patch: ScheduledPatch, into filter: inout ConfigTree, _ run: inout PatchRun) {
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
