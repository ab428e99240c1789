/// YAML fixtures for bootstraps whose listeners end in an http_connection_manager, shared by the Config, EnvoyFilter
/// and Plan tests so that one spelling of a listener, a manager and a cluster serves them all.

/// Indents every line of `text` by `spaces`; empty lines stay empty.
public func indented(_ text: String, by spaces: Int) -> String {
    let pad = String(repeating: " ", count: spaces)
    return text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : pad + $0 }
        .joined(separator: "\n")
}

/// The route configuration of ``httpConfig(listener:chain:statPrefix:managerFields:routeConfig:httpFilters:clusterFields:)``
/// unless a test gives its own: every Host, every path to `backend`.
public let defaultRouteConfig = """
    virtual_hosts:
    - name: all
      domains: ["*"]
      routes:
      - match: { prefix: / }
        route: { cluster: backend }
    """

/// The router, as the one entry of an `http_filters` list.
public let routerFilter = """
    - name: envoy.filters.http.router
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
    """

/// A route configuration with one virtual host `virtualHost` (domains `*`) whose routes are `routes` (YAML list,
/// unindented).
public func routesConfig(_ routes: String, virtualHost: String = "vh") -> String {
    """
    virtual_hosts:
    - name: \(virtualHost)
      domains: ["*"]
      routes:
    \(indented(routes, by: 2))
    """
}

/// A listener (a YAML list entry, unindented) named `name` on 0.0.0.0:`port` with one chain (named `chain`, when
/// given) whose one filter is an http_connection_manager with `stat_prefix: statPrefix`, then `managerFields` (YAML
/// inside its typed_config, unindented), `routeConfig` (the value of `route_config`) and `httpFilters` (the value of
/// `http_filters`).
public func httpListener(
    name: String,
    port: Int,
    chain: String? = nil,
    statPrefix: String,
    managerFields: String = "",
    routeConfig: String = defaultRouteConfig,
    httpFilters: String = routerFilter
) -> String {
    """
    - name: \(name)
      address: { socket_address: { address: 0.0.0.0, port_value: \(port) } }
      filter_chains:
      - \(chain.map { "name: \($0)\n    " } ?? "")filters:
        - name: envoy.filters.network.http_connection_manager
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            stat_prefix: \(statPrefix)
    \(indented(managerFields, by: 8))
            route_config:
    \(indented(routeConfig, by: 10))
            http_filters:
    \(indented(httpFilters, by: 8))
    """
}

/// A STATIC cluster (a YAML list entry, unindented) named `name` with one endpoint, `address`:`port`.
public func staticCluster(_ name: String, address: String, port: Int) -> String {
    """
    - name: \(name)
      load_assignment:
        endpoints:
        - lb_endpoints:
          - endpoint: { address: { socket_address: { address: \(address), port_value: \(port) } } }
    """
}

/// Cluster `backend` (10.0.0.1:8080), the upstream of every fixture's routes.
public let backendCluster = staticCluster("backend", address: "10.0.0.1", port: 8080)

/// A bootstrap whose listener `listener` (0.0.0.0:8080; its chain named `chain` when given) ends in an
/// http_connection_manager with `statPrefix`, `managerFields`, `routeConfig` and `httpFilters` as in
/// ``httpListener(name:port:chain:statPrefix:managerFields:routeConfig:httpFilters:)``; clusters `backend` and
/// `grpc` (10.0.0.2:9090), `clusterFields` (unindented) added to `backend`.
///
/// Paths: the manager is ``managerPath``.
public func httpConfig(
    listener: String = "main",
    chain: String? = nil,
    statPrefix: String = "ingress_http",
    managerFields: String = "",
    routeConfig: String = defaultRouteConfig,
    httpFilters: String = routerFilter,
    clusterFields: String = ""
) -> String {
    let manager = httpListener(
        name: listener,
        port: 8080,
        chain: chain,
        statPrefix: statPrefix,
        managerFields: managerFields,
        routeConfig: routeConfig,
        httpFilters: httpFilters
    )
    return """
        static_resources:
          listeners:
        \(indented(manager, by: 2))
          clusters:
        \(indented(backendCluster, by: 2))
        \(indented(clusterFields, by: 4))
        \(indented(staticCluster("grpc", address: "10.0.0.2", port: 9090), by: 2))
        """
}

/// The manager path in ``httpConfig(listener:chain:statPrefix:managerFields:routeConfig:httpFilters:clusterFields:)``.
public let managerPath = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
