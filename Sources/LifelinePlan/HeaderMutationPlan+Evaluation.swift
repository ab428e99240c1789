extension HeaderMutationPlan {
    /// The header mutations that apply to a request (or its response) on a route, in the order Envoy applies them:
    /// the weighted cluster's first, then by default the route's, the virtual host's and the route configuration's,
    /// so that the more general level, applied last, wins where two overwrite the same header. With
    /// `most_specific_header_mutations_wins` the three are applied the other way round (the route's last); the
    /// weighted cluster's still go first, as in Envoy.
    public static func combined(
        cluster: HeaderMutationPlan? = nil,
        route: HeaderMutationPlan,
        virtualHost: HeaderMutationPlan,
        routeConfig: HeaderMutationPlan,
        mostSpecificWins: Bool = false
    ) -> [HeaderMutationPlan] {
        let levels = mostSpecificWins ? [routeConfig, virtualHost, route] : [route, virtualHost, routeConfig]
        return ([cluster].compactMap { $0 } + levels).filter { !$0.isEmpty }
    }

    /// Applies this level's request mutations to `headers`, as Envoy's header parser does: first every
    /// `request_headers_to_remove`, then the values to add, each resolved by `resolve` (the command operators such
    /// as `%DOWNSTREAM_REMOTE_ADDRESS%`) against the headers as they were before any is added; an empty value is
    /// skipped unless `keep_empty_value`. Overwrites are applied before appends.
    public func applyRequest(to headers: inout [HeaderField], resolve: (String) -> String = { $0 }) {
        Self.apply(remove: requestHeadersToRemove, add: requestHeadersToAdd, to: &headers, resolve: resolve)
    }

    /// As ``applyRequest(to:resolve:)``, with the response mutations.
    public func applyResponse(to headers: inout [HeaderField], resolve: (String) -> String = { $0 }) {
        Self.apply(remove: responseHeadersToRemove, add: responseHeadersToAdd, to: &headers, resolve: resolve)
    }

    private static func apply(
        remove: [String],
        add: [HeaderValueOptionPlan],
        to headers: inout [HeaderField],
        resolve: (String) -> String
    ) {
        let removed = Set(remove)
        headers.removeAll { removed.contains($0.name) }
        var appended: [HeaderField] = []
        var overwritten: [HeaderField] = []
        for option in add {
            let value = resolve(option.value)
            guard !value.isEmpty || option.keepEmptyValue else { continue }
            let present = headers.contains { $0.name == option.name }
            switch option.appendAction {
            case .appendIfExistsOrAdd:
                appended.append(HeaderField(name: option.name, value: value))
            case .addIfAbsent:
                if !present { appended.append(HeaderField(name: option.name, value: value)) }
            case .overwriteIfExists:
                if present { overwritten.append(HeaderField(name: option.name, value: value)) }
            case .overwriteIfExistsOrAdd:
                overwritten.append(HeaderField(name: option.name, value: value))
            }
        }
        for field in overwritten {
            headers.removeAll { $0.name == field.name }
            headers.append(field)
        }
        headers.append(contentsOf: appended)
    }
}

extension RouteConfigurationPlan {
    /// The header mutations for a selected route (and the index of the weighted cluster it went to), in Envoy's
    /// order; see ``HeaderMutationPlan/combined(cluster:route:virtualHost:routeConfig:mostSpecificWins:)``.
    public func headerMutations(for selection: RouteSelection, cluster: Int? = nil) -> [HeaderMutationPlan] {
        let host = virtualHosts[selection.virtualHost]
        let route = host.routes[selection.route]
        var clusterHeaders: HeaderMutationPlan?
        if let cluster, case .forward(let forward) = route.action, forward.clusters.indices.contains(cluster) {
            clusterHeaders = forward.clusters[cluster].headers
        }
        return HeaderMutationPlan.combined(
            cluster: clusterHeaders,
            route: route.headers,
            virtualHost: host.headers,
            routeConfig: headers,
            mostSpecificWins: mostSpecificHeaderMutationsWins
        )
    }
}
