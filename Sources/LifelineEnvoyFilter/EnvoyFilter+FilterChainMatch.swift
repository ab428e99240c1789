extension EnvoyFilter {
    /// `EnvoyFilter.ListenerMatch.FilterChainMatch`, the fields Lifeline's filter chains can be told apart by.
    public struct FilterChainMatch: Sendable {
        /// `name`: the filter chain's name.
        public var name: String?
        /// `filter.name`: a network filter in the chain, e.g. `envoy.filters.network.tcp_proxy`. NETWORK_FILTER
        /// patches edit it or insert relative to it.
        public var filterName: String?

        public init(name: String? = nil, filterName: String? = nil) {
            self.name = name
            self.filterName = filterName
        }
    }
}
