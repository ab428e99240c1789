extension EnvoyFilter {
    /// `EnvoyFilter.ListenerMatch.FilterChainMatch`: which of a listener's filter chains a patch applies to.
    public struct FilterChainMatch: Sendable {
        /// `name`: the filter chain's name.
        public var name: String?
        /// `sni`: one of the chain's `filter_chain_match.server_names`, compared exactly.
        public var sni: String?
        /// `transportProtocol`: the chain's `filter_chain_match.transport_protocol` (`tls`, `raw_buffer`).
        public var transportProtocol: String?
        /// `applicationProtocols`: comma-separated; the chain's `filter_chain_match.application_protocols` must hold
        /// every one.
        public var applicationProtocols: [String]
        /// `destinationPort`: the chain's `filter_chain_match.destination_port`.
        public var destinationPort: Int?
        /// `filter.name`: a network filter in the chain, e.g. `envoy.filters.network.tcp_proxy`. NETWORK_FILTER
        /// patches edit it or insert relative to it.
        public var filterName: String?

        public init(
            name: String? = nil,
            sni: String? = nil,
            transportProtocol: String? = nil,
            applicationProtocols: [String] = [],
            destinationPort: Int? = nil,
            filterName: String? = nil
        ) {
            self.name = name
            self.sni = sni
            self.transportProtocol = transportProtocol
            self.applicationProtocols = applicationProtocols
            self.destinationPort = destinationPort
            self.filterName = filterName
        }
    }
}
