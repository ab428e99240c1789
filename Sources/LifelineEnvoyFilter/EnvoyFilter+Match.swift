extension EnvoyFilter {
    /// `EnvoyFilter.EnvoyConfigObjectMatch`: which objects a patch applies to. Istio makes `listener`,
    /// `routeConfiguration` and `cluster` one of; the loader enforces that.
    public struct ObjectMatch: Sendable {
        /// `context`. Default `ANY`.
        public var context: PatchContext
        /// `proxy`: the Istio version and node metadata the patch is meant for; `nil` matches every proxy.
        public var proxy: ProxyMatch?
        /// `listener`: for LISTENER, FILTER_CHAIN and NETWORK_FILTER patches.
        public var listener: ListenerMatch?
        /// `routeConfiguration`: for ROUTE_CONFIGURATION, VIRTUAL_HOST and HTTP_ROUTE patches.
        public var routeConfiguration: RouteConfigurationMatch?
        /// `cluster`: for CLUSTER patches.
        public var cluster: ClusterMatch?

        public init(
            context: PatchContext = .any,
            proxy: ProxyMatch? = nil,
            listener: ListenerMatch? = nil,
            routeConfiguration: RouteConfigurationMatch? = nil,
            cluster: ClusterMatch? = nil
        ) {
            self.context = context
            self.proxy = proxy
            self.listener = listener
            self.routeConfiguration = routeConfiguration
            self.cluster = cluster
        }
    }
}

extension EnvoyFilter {
    /// `EnvoyFilter.ProxyMatch`: which proxies a patch is meant for, by the Istio version and node metadata they
    /// present. Lifeline presents those of ``GatewayIdentity``; a patch whose proxy match fails is not selected, as in
    /// istiod, which is never an error.
    public struct ProxyMatch: Sendable {
        /// `proxyVersion`: a regular expression (RE2 in istiod) that must match somewhere in the proxy's Istio version.
        /// istiod uses Go's `regexp.MatchString`, which is not anchored: `1\.28` matches `1.28.0`, and so does `^1\.2`.
        /// `nil` (or `""` in the file) matches any version.
        public var proxyVersion: String?
        /// `metadata`: every key must be in the proxy's node metadata with exactly this value.
        public var metadata: [String: String]

        public init(proxyVersion: String? = nil, metadata: [String: String] = [:]) {
            self.proxyVersion = proxyVersion
            self.metadata = metadata
        }
    }
}

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
        /// patches edit it or insert relative to it; HTTP_FILTER patches edit the HTTP filters of the HTTP connection
        /// manager it names.
        public var filterName: String?
        /// `filter.subFilter.name`: an HTTP filter of the HTTP connection manager, e.g. `envoy.filters.http.router`.
        /// HTTP_FILTER patches edit it or insert relative to it.
        public var subFilterName: String?

        public init(
            name: String? = nil,
            sni: String? = nil,
            transportProtocol: String? = nil,
            applicationProtocols: [String] = [],
            destinationPort: Int? = nil,
            filterName: String? = nil,
            subFilterName: String? = nil
        ) {
            self.name = name
            self.sni = sni
            self.transportProtocol = transportProtocol
            self.applicationProtocols = applicationProtocols
            self.destinationPort = destinationPort
            self.filterName = filterName
            self.subFilterName = subFilterName
        }
    }
}

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

extension EnvoyFilter {
    /// `EnvoyFilter.RouteConfigurationMatch`: which route configurations, and virtual hosts and routes in them, a
    /// patch applies to. Lifeline has no RDS: a route configuration is the `route_config` inline in an HTTP connection
    /// manager of a listener's filter chain. Every condition given must hold; `nil` (`""`, `0` in the file) matches
    /// anything.
    public struct RouteConfigurationMatch: Sendable {
        /// `portNumber`: the port of the listener whose HTTP connection manager holds the route configuration, or the
        /// port in its name when it is named as istiod names a gateway's (`http.8080`, `https.443.…`). (istiod reads
        /// the port from that name only, mapped through the gateway Service's ports; Lifeline has no Service.)
        public var portNumber: Int?
        /// `portName`: the Gateway server's port name, as istiod reads it from a gateway route configuration named
        /// `https.<port>.<portName>.<gateway>.<namespace>`; a route configuration named otherwise has none.
        public var portName: String?
        /// `gateway`: the Istio Gateway, `<namespace>/<name>`, read from such a route configuration name.
        public var gateway: String?
        /// `name`: the route configuration's `name`.
        public var name: String?
        /// `vhost`: a virtual host, for VIRTUAL_HOST and HTTP_ROUTE patches.
        public var virtualHost: VirtualHostMatch?

        public init(
            portNumber: Int? = nil,
            portName: String? = nil,
            gateway: String? = nil,
            name: String? = nil,
            virtualHost: VirtualHostMatch? = nil
        ) {
            self.portNumber = portNumber
            self.portName = portName
            self.gateway = gateway
            self.name = name
            self.virtualHost = virtualHost
        }
    }

    /// `EnvoyFilter.RouteConfigurationMatch.VirtualHostMatch`.
    public struct VirtualHostMatch: Sendable {
        /// `name`: the virtual host's `name`.
        public var name: String?
        /// `route`: a route in the virtual host, for HTTP_ROUTE patches.
        public var route: RouteMatch?

        public init(name: String? = nil, route: RouteMatch? = nil) {
            self.name = name
            self.route = route
        }
    }

    /// `EnvoyFilter.RouteConfigurationMatch.RouteMatch`.
    public struct RouteMatch: Sendable {
        /// `name`: the route's `name`.
        public var name: String?
        /// `action`: what the route does; `ANY` (the default) matches every route.
        public var action: RouteAction

        public init(name: String? = nil, action: RouteAction = .any) {
            self.name = name
            self.action = action
        }
    }

    /// `EnvoyFilter.RouteConfigurationMatch.RouteMatch.Action`: which of a route's actions it has.
    public enum RouteAction: String, Sendable, Hashable, CaseIterable {
        /// `ANY` (0): any route.
        case any = "ANY"
        /// `ROUTE` (1): a route with `route` (to a cluster).
        case route = "ROUTE"
        /// `REDIRECT` (2): a route with `redirect`.
        case redirect = "REDIRECT"
        /// `DIRECT_RESPONSE` (3): a route with `direct_response`.
        case directResponse = "DIRECT_RESPONSE"

        /// Proto enum numbers, for values written as numbers.
        static let numbers: [Int: String] = [0: "ANY", 1: "ROUTE", 2: "REDIRECT", 3: "DIRECT_RESPONSE"]
    }
}
