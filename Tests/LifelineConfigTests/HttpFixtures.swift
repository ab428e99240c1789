import LifelineConfig
import Testing

/// The route configuration of ``httpConfig(managerFields:routeConfig:httpFilters:clusterFields:)`` unless a test
/// gives its own: every Host, every path to `backend`.
let defaultRouteConfig = """
    virtual_hosts:
    - name: all
      domains: ["*"]
      routes:
      - match: { prefix: / }
        route: { cluster: backend }
    """

let routerFilter = """
    - name: envoy.filters.http.router
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
    """

/// A bootstrap whose listener `main` (0.0.0.0:8080) ends in an http_connection_manager: `managerFields` (YAML inside
/// its typed_config, unindented), `routeConfig` (the value of `route_config`), `httpFilters` (the value of
/// `http_filters`); clusters `backend` and `grpc`, `clusterFields` added to `backend`.
///
/// Paths: the manager is `static_resources.listeners[0].filter_chains[0].filters[0].typed_config`.
func httpConfig(
    managerFields: String = "",
    routeConfig: String = defaultRouteConfig,
    httpFilters: String = routerFilter,
    clusterFields: String = ""
) -> String {
    """
    static_resources:
      listeners:
      - name: main
        address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
        filter_chains:
        - filters:
          - name: envoy.filters.network.http_connection_manager
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
              stat_prefix: ingress_http
    \(indented(managerFields, by: 10))
              route_config:
    \(indented(routeConfig, by: 12))
              http_filters:
    \(indented(httpFilters, by: 10))
      clusters:
      - name: backend
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
    \(indented(clusterFields, by: 4))
      - name: grpc
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 9090 } } }
    """
}

/// The manager path in ``httpConfig(managerFields:routeConfig:httpFilters:clusterFields:)``.
let managerPath = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"

/// The http_connection_manager of the bootstrap's first listener's first chain.
func decodeManager(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
    -> HttpConnectionManagerConfig
{
    let bootstrap = try decodeBootstrap(text)
    return try #require(
        bootstrap.listeners.first?.filterChains.first?.httpConnectionManager,
        sourceLocation: sourceLocation
    )
}

/// A route configuration with one virtual host `vh` (domains `*`) whose routes are `routes` (YAML list, unindented).
func routesConfig(_ routes: String) -> String {
    """
    virtual_hosts:
    - name: vh
      domains: ["*"]
      routes:
    \(indented(routes, by: 2))
    """
}
