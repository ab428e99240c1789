import LifelineConfig

/// Applies ROUTE_CONFIGURATION, VIRTUAL_HOST and HTTP_ROUTE patches, as istiod's route configuration patcher does for
/// a gateway, to every route configuration inline in an HTTP connection manager (`route_config` in the
/// `typed_config` of a network filter whose `@type` is `HttpConnectionManager`, in a listener's `filter_chains`).
///
/// Lifeline has no RDS, so where istiod patches the route configurations it generates for a gateway's RDS, Lifeline
/// patches the inline ones: `match.routeConfiguration.portNumber` is the port of the listener holding the route
/// configuration or the port in its name (istiod: the port in the RDS name only, mapped through the gateway Service's
/// ports), `portName` and `gateway` are read from a route configuration named as istiod names a gateway's HTTPS routes
/// (`https.<port>.<portName>.<gateway>.<namespace>`), and `name` is the route configuration's `name`.
///
/// Per route configuration: its MERGEs in order; then each virtual host in turn gets its VIRTUAL_HOST MERGEs,
/// REPLACEs and REMOVEs in order (a REMOVE ends the host's turn), then its routes their HTTP_ROUTE MERGEs and REMOVEs,
/// then the host the HTTP_ROUTE ADDs and INSERT_*s; last, the VIRTUAL_HOST ADDs append hosts no other patch of the
/// run edits.
enum RouteConfigurationPatcher {
    static func apply(to root: inout ConfigTree, _ run: inout PatchRun) {
        let kinds: [EnvoyFilter.ApplyTo] = [.routeConfiguration, .virtualHost, .httpRoute]
        guard kinds.contains(where: { !run.patches($0).isEmpty }) else { return }
        root.updateProtoField("static_resources") { resources in
            resources.updateProtoField("listeners") { listeners in
                listeners.updateElements { listeners in
                    for index in listeners.indices {
                        let port = ListenerFacts(listeners[index]).port
                        listeners[index].updateProtoField("filter_chains") { chains in
                            chains.updateElements { chains in
                                for chain in chains.indices {
                                    patchChain(&chains[chain], listenerPort: port, &run)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func patchChain(_ chain: inout ConfigTree, listenerPort: Int64?, _ run: inout PatchRun) {
        chain.updateProtoField("filters") { filters in
            filters.updateElements { filters in
                for index in filters.indices where HTTPFilterPatcher.isConnectionManager(filters[index]) {
                    filters[index].updateProtoField("typed_config") { config in
                        config.updateProtoField("route_config") { routes in
                            patchRouteConfiguration(&routes, listenerPort: listenerPort, &run)
                        }
                    }
                }
            }
        }
    }

    private static func patchRouteConfiguration(
        _ routes: inout ConfigTree,
        listenerPort: Int64?,
        _ run: inout PatchRun
    ) {
        guard routes.entries != nil else { return }
        for patch in run.patches(.routeConfiguration) {
            // Matched afresh each time: an earlier MERGE may have renamed the route configuration.
            let match = patch.patch.match.routeConfiguration
            guard PatchMatcher.matches(match, routeConfiguration: routes, listenerPort: listenerPort) else { continue }
            run.markMatched(patch)
            run.merge(patch, into: &routes)
        }
        let merged = routes
        let matches: (ScheduledPatch) -> Bool = {
            PatchMatcher.matches(
                $0.patch.match.routeConfiguration,
                routeConfiguration: merged,
                listenerPort: listenerPort
            )
        }
        let hostPatches = run.patches(.virtualHost).filter(matches)
        let routePatches = run.patches(.httpRoute).filter(matches)
        guard !hostPatches.isEmpty || !routePatches.isEmpty else { return }
        let adds = hostPatches.filter { $0.operation == .add }
        routes.updateProtoField("virtual_hosts", creating: adds.isEmpty ? nil : ConfigTree(.array([]))) { hosts in
            hosts.updateElements { hosts in
                hosts = hosts.compactMap { host in
                    var host = host
                    return patchVirtualHost(&host, hostPatches, routePatches, &run) ? host : nil
                }
                for add in adds {
                    hosts.append(add.insertedValue)
                    run.markMatched(add)
                }
            }
        }
    }

    /// Returns `false` when a patch removed the virtual host.
    private static func patchVirtualHost(
        _ host: inout ConfigTree,
        _ hostPatches: [ScheduledPatch],
        _ routePatches: [ScheduledPatch],
        _ run: inout PatchRun
    ) -> Bool {
        guard host.entries != nil else { return true }
        for patch in hostPatches where patch.operation != .add {
            guard PatchMatcher.matches(patch.patch.match.routeConfiguration, virtualHost: host) else { continue }
            run.markMatched(patch)
            switch patch.operation {
            case .remove: return false
            case .replace: host = patch.insertedValue
            default: run.merge(patch, into: &host)
            }
        }
        let patches = routePatches.filter { PatchMatcher.matches($0.patch.match.routeConfiguration, virtualHost: host) }
        guard !patches.isEmpty else { return true }
        let inserts = patches.filter { $0.operation != .merge && $0.operation != .remove }
        host.updateProtoField("routes", creating: inserts.isEmpty ? nil : ConfigTree(.array([]))) { routes in
            routes.updateElements { routes in
                routes = routes.compactMap { route in
                    var route = route
                    return patchRoute(&route, patches, &run) ? route : nil
                }
                for patch in inserts where insert(patch, into: &routes) {
                    run.markMatched(patch)
                }
            }
        }
        return true
    }

    /// The HTTP_ROUTE MERGEs and REMOVEs for one route, in order; returns `false` when a patch removed it.
    private static func patchRoute(_ route: inout ConfigTree, _ patches: [ScheduledPatch], _ run: inout PatchRun)
        -> Bool
    {
        for patch in patches where patch.operation == .merge || patch.operation == .remove {
            guard PatchMatcher.matches(patch.patch.match.routeConfiguration, route: route) else { continue }
            run.markMatched(patch)
            if patch.operation == .remove { return false }
            run.merge(patch, into: &route)
        }
        return true
    }

    /// An HTTP_ROUTE ADD or INSERT_* into a virtual host's routes, as istiod places them: relative to the first
    /// route the match names, or, when it names none, at the end (ADD, INSERT_AFTER) or the front (INSERT_BEFORE,
    /// INSERT_FIRST). INSERT_FIRST with a route match goes to the front only if some route matches. Returns whether
    /// the route was inserted.
    private static func insert(_ patch: ScheduledPatch, into routes: inout [ConfigTree]) -> Bool {
        let match = patch.patch.match.routeConfiguration
        let anchor =
            match?.virtualHost?.route == nil
            ? nil : routes.firstIndex { PatchMatcher.matches(match, route: $0) } ?? -1
        switch (patch.operation, anchor) {
        case (.add, _), (.insertAfter, nil):
            routes.append(patch.insertedValue)
        case (.insertBefore, nil), (.insertFirst, nil):
            routes.insert(patch.insertedValue, at: 0)
        case (_, -1):
            // The match names a route this virtual host does not have.
            return false
        case (.insertAfter, let index?):
            routes.insert(patch.insertedValue, at: index + 1)
        case (.insertBefore, let index?):
            routes.insert(patch.insertedValue, at: index)
        case (.insertFirst, _):
            routes.insert(patch.insertedValue, at: 0)
        default:
            return false
        }
        return true
    }
}
