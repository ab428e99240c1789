import LifelinePlan

/// A listener's chains in one list — `filter_chains` in config order, then `default_filter_chain` — and the choice
/// of one for a connection.
struct ListenerChains: Sendable {
    /// Every chain a connection can be given to; an index into it names a chain.
    let all: [FilterChainPlan]
    private let filterChains: [FilterChainPlan]
    private let defaultChain: FilterChainPlan?

    init(plan: ListenerPlan) {
        // A plan made before filter chains were planned carries its one tcp_proxy alone.
        let chains =
            plan.filterChains.isEmpty
            ? [FilterChainPlan(name: plan.name, tcpProxy: plan.tcpProxy, origin: plan.origin)]
            : plan.filterChains
        filterChains = chains
        defaultChain = plan.defaultFilterChain
        all = chains + (plan.defaultFilterChain.map { [$0] } ?? [])
    }

    /// The chain every connection gets when there is nothing to choose: one chain that places no condition.
    var unconditional: Int? {
        filterChains.count == 1 && filterChains[0].match == FilterChainMatchPlan() ? 0 : nil
    }

    /// The index in ``all`` of the chain Envoy would give this connection, or nil when none takes it.
    func select(_ facts: ConnectionFacts) -> Int? {
        filterChains.firstIndex { $0.match == FilterChainMatchPlan() }
            ?? (defaultChain == nil ? nil : filterChains.count)
    }
}
