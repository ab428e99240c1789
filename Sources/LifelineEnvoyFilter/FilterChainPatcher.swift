import LifelineConfig

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
