import LifelinePlan

/// A listener's chains in one list — `filter_chains` in config order, then `default_filter_chain` — and the choice
/// of one for a connection, by Envoy's rules (``FilterChainSelector``).
struct ListenerChains: Sendable {
    /// Every chain a connection can be given to; an index into it names a chain.
    let all: [FilterChainPlan]
    private let selector: FilterChainSelector
    /// The chain every connection gets when there is nothing to choose: one chain that places no condition, and no
    /// listener filter to wait for.
    let unconditional: Int?

    init(plan: ListenerPlan) {
        let chains = plan.filterChains
        selector = FilterChainSelector(chains: chains, defaultChain: plan.defaultFilterChain)
        all = chains + (plan.defaultFilterChain.map { [$0] } ?? [])
        unconditional = chains.count == 1 && chains[0].match == FilterChainMatchPlan() ? 0 : nil
    }

    /// The index in ``all`` of the chain Envoy would give this connection, or nil when none takes it.
    func select(_ facts: ConnectionFacts) -> Int? {
        switch selector.choose(facts) {
        case .chain(let index): index
        case .defaultChain: all.count - 1
        case .none: nil
        }
    }
}
