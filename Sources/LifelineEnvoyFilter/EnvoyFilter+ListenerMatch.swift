extension EnvoyFilter {
    /// `EnvoyFilter.ListenerMatch`. Every condition given must hold; `nil` (or, in the file, `""` and `0`) matches
    /// anything, as in Istio.
    public struct ListenerMatch: Sendable {
        /// `name`: the listener's name. A bootstrap listener without one is matched by Istio's default name for it,
        /// `<address>_<port>` (`0.0.0.0_8443`).
        public var name: String?
        /// `portNumber`: the listener's `address.socket_address.port_value`.
        public var portNumber: Int?
        /// `filterChain`: a filter chain (and filter) within the listener, for FILTER_CHAIN and NETWORK_FILTER.
        public var filterChain: FilterChainMatch?

        public init(name: String? = nil, portNumber: Int? = nil, filterChain: FilterChainMatch? = nil) {
            self.name = name
            self.portNumber = portNumber
            self.filterChain = filterChain
        }
    }
}
