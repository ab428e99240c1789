extension RouteConfigurationPlan {
    /// The route Envoy's router gives `request`: the virtual host by `domains` (exact, then the longest suffix
    /// wildcard, then the longest prefix wildcard, then `*`), then its first route whose match holds. Nil: no route
    /// (404).
    public func select(_ request: RouteRequest) -> RouteSelection? {
        // A first cut: exact domains and `*`, prefix and path matches. Replaced by the full matcher.
        let host = request.authority.lowercased()
        let hostIndex =
            virtualHosts.firstIndex { $0.domains.contains(host) }
            ?? virtualHosts.firstIndex { $0.domains.contains("*") }
        guard let hostIndex else { return nil }
        let path =
            request.path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(
                String.init
            ) ?? request.path
        for (index, route) in virtualHosts[hostIndex].routes.enumerated() {
            switch route.match.path {
            case .prefix(let prefix) where path.hasPrefix(prefix):
                return RouteSelection(virtualHost: hostIndex, route: index)
            case .path(let whole) where path == whole:
                return RouteSelection(virtualHost: hostIndex, route: index)
            default:
                continue
            }
        }
        return nil
    }
}
