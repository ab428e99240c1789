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
