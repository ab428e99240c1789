extension EnvoyFilter {
    /// `EnvoyFilter.ApplyTo`: the kinds of Envoy object Lifeline can patch. A patch of the other kinds Istio has
    /// (HTTP_FILTER, ROUTE_CONFIGURATION, VIRTUAL_HOST, HTTP_ROUTE, LISTENER_FILTER, EXTENSION_CONFIG, BOOTSTRAP) is
    /// an error if it applies to the gateway.
    public enum ApplyTo: String, Sendable, Hashable, CaseIterable {
        /// `LISTENER` (1): an entry of `static_resources.listeners`.
        case listener = "LISTENER"
        /// `FILTER_CHAIN` (2): an entry of a listener's `filter_chains`.
        case filterChain = "FILTER_CHAIN"
        /// `NETWORK_FILTER` (3): an entry of a filter chain's `filters`.
        case networkFilter = "NETWORK_FILTER"
        /// `CLUSTER` (8): an entry of `static_resources.clusters`.
        case cluster = "CLUSTER"

        /// The operations istiod carries out for this kind (its listener and cluster patchers); it skips the others
        /// without a word, and Lifeline rejects them instead.
        public var operations: [Operation] {
            switch self {
            case .listener, .filterChain, .cluster: [.merge, .add, .remove]
            case .networkFilter: [.merge, .add, .remove, .insertBefore, .insertAfter, .insertFirst, .replace]
            }
        }

        /// Whether `match.listener` (rather than `match.cluster`) selects objects of this kind.
        var isListenerClass: Bool { self != .cluster }
    }
}
