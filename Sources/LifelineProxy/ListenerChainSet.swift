import LifelinePlan

/// What a listener gives accepted connections to: the plan it runs, the choice of a chain by that plan's rules, and
/// each chain's runtime. A reload swaps the whole set at once, so an accept reads one consistent set: connections
/// accepted before the swap stay with the chains they were given, later ones get the new set.
struct ListenerChainSet: Sendable {
    let plan: ListenerPlan
    let selector: ListenerChains
    /// In the order of `selector.all`.
    let runtimes: [any FilterChainRuntime]
    /// What `proxy_protocol` counts into (`proxy_proto.[<stat_prefix>.]` and the listener's scopes); nil without it.
    let proxyProtocolStats: ProxyStats?

    init(plan: ListenerPlan, runtimes: [any FilterChainRuntime], proxyProtocolStats: ProxyStats? = nil) {
        self.plan = plan
        selector = ListenerChains(plan: plan)
        self.runtimes = runtimes
        self.proxyProtocolStats = proxyProtocolStats
    }

    /// The listener filters the accept path runs (`proxy_protocol`, `tls_inspector`), or nil when there are none.
    var inspection: ListenerFiltersPlan? {
        plan.listenerFilters.isEmpty ? nil : plan.listenerFilters
    }
}
