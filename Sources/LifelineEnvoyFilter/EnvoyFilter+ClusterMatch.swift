extension EnvoyFilter {
    /// `EnvoyFilter.ClusterMatch`, the fields that mean something for a bootstrap's static clusters.
    public struct ClusterMatch: Sendable {
        /// `name`: the cluster's exact name. When given, istiod looks at nothing else.
        public var name: String?
        /// `portNumber`: the service port the cluster was made for. For a bootstrap cluster that is the port in an
        /// Istio cluster name (`outbound|8080||backend.default.svc.cluster.local`), or else any endpoint's
        /// `port_value` in `load_assignment`.
        public var portNumber: Int?

        public init(name: String? = nil, portNumber: Int? = nil) {
            self.name = name
            self.portNumber = portNumber
        }
    }
}
