import LifelineConfig

/// istiod's match rules (`listenerMatch`, `filterChainMatch`, `networkFilterMatch`, `clusterMatch`): an absent
/// condition matches anything.
enum PatchMatcher {
    static func matches(_ match: EnvoyFilter.ListenerMatch?, listener: ListenerFacts) -> Bool {
        guard let match else { return true }
        if let name = match.name, name != listener.name { return false }
        if let port = match.portNumber, Int64(port) != listener.port { return false }
        return true
    }

    /// `filterChain` against a filter chain, as istiod's `filterChainMatch`: `name`, then `sni` (one of the chain's
    /// server names, exactly), `transportProtocol`, every one of `applicationProtocols`, `destinationPort`; a chain
    /// without a `filter_chain_match` matches none of the last four. Its `filter` is matched per filter, by
    /// NETWORK_FILTER patches.
    static func matches(_ match: EnvoyFilter.ListenerMatch?, chain: ConfigTree) -> Bool {
        guard let match = match?.filterChain else { return true }
        if let name = match.name, chain.protoField("name")?.text != name { return false }
        let chainMatch = chain.protoField("filter_chain_match")
        if let sni = match.sni {
            let names = chainMatch?.protoField("server_names")?.elements?.compactMap(\.text) ?? []
            if !names.contains(sni) { return false }
        }
        if let transport = match.transportProtocol,
            chainMatch?.protoField("transport_protocol")?.text != transport
        {
            return false
        }
        if !match.applicationProtocols.isEmpty {
            let offered = chainMatch?.protoField("application_protocols")?.elements?.compactMap(\.text) ?? []
            if chainMatch == nil || !match.applicationProtocols.allSatisfy(offered.contains) { return false }
        }
        if let port = match.destinationPort,
            chainMatch?.protoField("destination_port")?.integer != Int64(port)
        {
            return false
        }
        return true
    }

    /// `filterChain.filter.name` against a network filter.
    static func matches(_ match: EnvoyFilter.ListenerMatch?, filter: ConfigTree) -> Bool {
        guard let name = match?.filterChain?.filterName else { return true }
        return filter.protoField("name")?.text == name
    }

    /// `filterChain.filter.subFilter.name` against an HTTP filter.
    static func matches(_ match: EnvoyFilter.ListenerMatch?, httpFilter: ConfigTree) -> Bool {
        guard let name = match?.filterChain?.subFilterName else { return true }
        return httpFilter.protoField("name")?.text == name
    }

    /// `routeConfiguration` against an inline route configuration of a listener on `listenerPort`, by istiod's rules
    /// for a gateway: `portNumber` (the listener's port, or the port in a route configuration named as istiod names
    /// a gateway's, `http.<port>` or `https.<port>.<portName>.<gateway>.<namespace>`), `portName` and `gateway`
    /// (read from such an HTTPS name), `name`.
    static func matches(
        _ match: EnvoyFilter.RouteConfigurationMatch?,
        routeConfiguration: ConfigTree,
        listenerPort: Int64?
    ) -> Bool {
        guard let match else { return true }
        let name = routeConfiguration.protoField("name")?.text ?? ""
        let server = GatewayRouteName(name)
        if let port = match.portNumber, listenerPort != Int64(port), server.port != port { return false }
        if let portName = match.portName, server.portName != portName { return false }
        if let gateway = match.gateway, server.gateway != gateway { return false }
        if let wanted = match.name, wanted != name { return false }
        return true
    }

    /// `routeConfiguration.vhost.name` against a virtual host.
    static func matches(_ match: EnvoyFilter.RouteConfigurationMatch?, virtualHost: ConfigTree) -> Bool {
        guard let name = match?.virtualHost?.name else { return true }
        return virtualHost.protoField("name")?.text == name
    }

    /// `routeConfiguration.vhost.route` against a route: its `name`, and its `action` (a route with none of
    /// `route`, `redirect` and `direct_response` matches any action, as in istiod).
    static func matches(_ match: EnvoyFilter.RouteConfigurationMatch?, route: ConfigTree) -> Bool {
        guard let match = match?.virtualHost?.route else { return true }
        if let name = match.name, route.protoField("name")?.text != name { return false }
        let actions: [(String, EnvoyFilter.RouteAction)] = [
            ("route", .route), ("redirect", .redirect), ("direct_response", .directResponse),
        ]
        guard match.action != .any, let action = actions.first(where: { route.protoField($0.0) != nil }) else {
            return true
        }
        return action.1 == match.action
    }

    static func matches(_ match: EnvoyFilter.ClusterMatch?, cluster: ConfigTree) -> Bool {
        guard let match else { return true }
        let name = cluster.protoField("name")?.text
        // As istiod: a name decides alone.
        if let wanted = match.name { return wanted == name }
        if let port = match.portNumber {
            return servicePort(clusterName: name).map { $0 == port } ?? endpointPorts(cluster).contains(Int64(port))
        }
        return true
    }

    /// The port in an Istio cluster name, `outbound|8080|subset|backend.default.svc.cluster.local`.
    private static func servicePort(clusterName: String?) -> Int? {
        guard let parts = clusterName?.split(separator: "|", omittingEmptySubsequences: false), parts.count == 4,
            parts[0] == "outbound" || parts[0] == "inbound"
        else { return nil }
        return Int(parts[1])
    }

    /// `load_assignment.endpoints[].lb_endpoints[].endpoint.address.socket_address.port_value`.
    private static func endpointPorts(_ cluster: ConfigTree) -> [Int64] {
        let localities = cluster.protoField("load_assignment")?.protoField("endpoints")?.elements ?? []
        return localities.flatMap { locality in
            (locality.protoField("lb_endpoints")?.elements ?? []).compactMap { lbEndpoint in
                lbEndpoint.protoField("endpoint")?.protoField("address")?.protoField("socket_address")?
                    .protoField("port_value")?.integer
            }
        }
    }
}

/// What istiod reads from the name it gives a gateway's route configuration: `http.8080` is port 8080;
/// `https.443.https-443.gw.edge` is port 443, port name `https-443` of Gateway `edge/gw`. Other names carry none.
struct GatewayRouteName {
    var port: Int?
    var portName: String?
    var gateway: String?

    init(_ name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0] == "http" {
            port = Int(parts[1])
        } else if parts.count == 5, parts[0] == "https" {
            port = Int(parts[1])
            portName = String(parts[2])
            gateway = "\(parts[4])/\(parts[3])"
        }
    }
}

/// What istiod matches a listener by: its name and its port.
struct ListenerFacts {
    /// `name`, or Istio's name for a listener at `address`:`port`, `<address>_<port>` (`0.0.0.0_8443`), when the
    /// bootstrap leaves it out.
    let name: String?
    /// `address.socket_address.port_value`.
    let port: Int64?

    init(_ listener: ConfigTree) {
        let socketAddress = listener.protoField("address")?.protoField("socket_address")
        let port = socketAddress?.protoField("port_value")?.integer
        self.port = port
        if let name = listener.protoField("name")?.text, !name.isEmpty {
            self.name = name
        } else if let address = socketAddress?.protoField("address")?.text, let port {
            self.name = "\(address)_\(port)"
        } else {
            self.name = nil
        }
    }
}

/// Envoy's deprecated network filter names and the canonical names that replaced them.
///
/// istiod gives filters their canonical names and compares `match.listener.filterChain.filter.name` with a filter's
/// name exactly, without mapping one spelling to the other; a match on a deprecated name therefore finds nothing in a
/// config istiod generated. Lifeline matches the same way and uses this table only to say so when such a patch
/// matches nothing.
enum NetworkFilterNames {
    /// Deprecated name → canonical name.
    static let canonical: [String: String] = [
        "envoy.tcp_proxy": "envoy.filters.network.tcp_proxy",
        "envoy.http_connection_manager": "envoy.filters.network.http_connection_manager",
        "envoy.ratelimit": "envoy.filters.network.ratelimit",
        "envoy.ext_authz": "envoy.filters.network.ext_authz",
        "envoy.client_ssl_auth": "envoy.filters.network.client_ssl_auth",
        "envoy.echo": "envoy.filters.network.echo",
        "envoy.mongo_proxy": "envoy.filters.network.mongo_proxy",
        "envoy.redis_proxy": "envoy.filters.network.redis_proxy",
    ]
}
