import LifelineConfig

/// A patch's `match`. Istio's validation errors are errors here; what Istio only warns about (match fields that have
/// no effect for the patch's applyTo or operation) becomes a warning on the filter.
extension EnvoyFilterDecoder {
    /// The HTTP connection manager's canonical name and the deprecated one istiod's validation still accepts for a
    /// `subFilter` match.
    static let httpConnectionManagerNames: Set<String> = [
        "envoy.filters.network.http_connection_manager", "envoy.http_connection_manager",
    ]

    static func decodeMatch(
        _ field: FieldValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?
    ) -> EnvoyFilter.ObjectMatch? {
        guard var object = field.object() else { return nil }
        var match = EnvoyFilter.ObjectMatch()
        if let contextField = object.field("context"),
            let name = contextField.enumName("context", numbers: EnvoyFilter.PatchContext.numbers)
        {
            if let context = EnvoyFilter.PatchContext(rawValue: name) {
                match.context = context
            } else {
                let known = EnvoyFilter.PatchContext.allCases.map(\.rawValue).joined(separator: ", ")
                contextField.error("unknown context \(JSONText.quote(name)); expected one of \(known)")
            }
        }
        if let proxyField = object.field("proxy") {
            match.proxy = decodeProxy(proxyField)
        }
        object.reject("waypoint", because: "waypoint is not supported: Lifeline is a gateway")
        let listenerField = object.field("listener")
        let routesField = object.field("route_configuration")
        let clusterField = object.field("cluster")
        object.finish()

        if listenerField != nil, let clusterField {
            clusterField.error("listener is given too; a match has one of listener and cluster")
        }
        if let routesField, let other = listenerField != nil ? "listener" : clusterField != nil ? "cluster" : nil {
            routesField.error("\(other) is given too; a match has one of listener, routeConfiguration and cluster")
        }
        let matchClass = applyTo?.matchClass
        if let listenerField {
            if let applyTo, matchClass != .listener { wrongClass(listenerField, applyTo) }
            match.listener = decodeListener(listenerField, applyTo: applyTo, operation: operation)
        }
        if let routesField {
            if let applyTo, matchClass != .routeConfiguration { wrongClass(routesField, applyTo) }
            match.routeConfiguration = decodeRouteConfiguration(routesField, applyTo: applyTo, operation: operation)
        }
        if let clusterField {
            if let applyTo, matchClass != .cluster { wrongClass(clusterField, applyTo) }
            match.cluster = decodeCluster(clusterField, operation: operation)
        }
        return match
    }

    /// Istio's validation: a kind is matched by its own half of the match only.
    private static func wrongClass(_ field: FieldValue, _ applyTo: EnvoyFilter.ApplyTo) {
        switch applyTo.matchClass {
        case .cluster: field.error("applyTo CLUSTER matches clusters; use match.cluster")
        case .listener: field.error("applyTo \(applyTo.rawValue) matches listener objects; use match.listener")
        case .routeConfiguration:
            field.error("applyTo \(applyTo.rawValue) matches route configurations; use match.routeConfiguration")
        }
    }

    /// `match.proxy`. A `proxyVersion` that is not a valid regular expression is an error, as in Istio's
    /// validation; it surfaces only when the patch otherwise applies to the gateway.
    private static func decodeProxy(_ field: FieldValue) -> EnvoyFilter.ProxyMatch? {
        guard var object = field.object() else { return nil }
        var match = EnvoyFilter.ProxyMatch()
        if let versionField = object.field("proxy_version"), let version = versionField.string(), !version.isEmpty {
            match.proxyVersion = version
            if let problem = ProxyVersionPattern.problem(version) {
                versionField.error("not a valid regular expression: \(problem)")
            }
        }
        match.metadata = object.field("metadata")?.stringMap() ?? [:]
        object.finish()
        return match
    }

    private static func decodeCluster(
        _ field: FieldValue,
        operation: EnvoyFilter.Operation?
    ) -> EnvoyFilter.ClusterMatch? {
        guard var object = field.object() else { return nil }
        var match = EnvoyFilter.ClusterMatch()
        match.name = object.field("name")?.string().flatMap { $0.isEmpty ? nil : $0 }
        let portField = object.field("port_number")
        match.portNumber = portField?.integer(in: 0...Int64(UInt32.max)).flatMap { $0 == 0 ? nil : Int($0) }
        let reason = "matches Istio service clusters, which a bootstrap does not have; match by name or portNumber"
        object.reject("service", because: "service \(reason)")
        object.reject("subset", because: "subset \(reason)")
        object.finish()
        if match.name != nil, match.portNumber != nil, let portField {
            portField.warning("has no effect: when name is given, istiod matches the cluster by name alone")
        }
        if operation == .add, match.name != nil || match.portNumber != nil {
            field.warning("has no effect with ADD: istiod adds the cluster whatever the match says")
        }
        return match
    }

    /// `match.listener` with its `filterChain` and `filter`.
    private static func decodeListener(
        _ field: FieldValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?
    ) -> EnvoyFilter.ListenerMatch? {
        guard var object = field.object() else { return nil }
        var match = EnvoyFilter.ListenerMatch()
        match.name = object.field("name")?.string().flatMap { $0.isEmpty ? nil : $0 }
        match.portNumber = object.field("port_number")?.integer(in: 0...Int64(UInt32.max))
            .flatMap { $0 == 0 ? nil : Int($0) }
        object.reject("port_name", because: "portName is not implemented by Istio; match by portNumber")
        object.reject(
            "listener_filter",
            because: "listenerFilter is not supported: Lifeline does not support applyTo LISTENER_FILTER"
        )
        let chainField = object.field("filter_chain")
        object.finish()

        if operation == .add, applyTo == .listener, match.name != nil || match.portNumber != nil {
            field.warning("has no effect with ADD: istiod adds the listener whatever the match says")
        }
        guard let chainField else { return match }
        match.filterChain = decodeFilterChain(chainField, applyTo: applyTo, operation: operation)
        if applyTo == .listener {
            chainField.warning(
                "has no effect with applyTo LISTENER: istiod matches listeners by name and portNumber only"
            )
        } else if applyTo == .filterChain, operation == .add, match.filterChain?.name != nil {
            chainField.warning("has no effect with ADD: istiod adds the filter chain to every listener matched")
        }
        return match
    }

    private static func decodeFilterChain(
        _ field: FieldValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?
    ) -> EnvoyFilter.FilterChainMatch? {
        guard var object = field.object() else { return nil }
        var match = EnvoyFilter.FilterChainMatch()
        match.name = object.field("name")?.string().flatMap { $0.isEmpty ? nil : $0 }
        if let filterField = object.field("filter"), var filter = filterField.object() {
            let nameField = filter.field("name")
            match.filterName = nameField?.string().flatMap { $0.isEmpty ? nil : $0 }
            let subFilterField = filter.field("sub_filter")
            filter.finish()
            if match.filterName == nil {
                (nameField ?? filterField).error("a filter match needs a name to match on")
            } else if let subFilterField {
                match.subFilterName = decodeSubFilter(
                    subFilterField,
                    filterName: match.filterName,
                    applyTo: applyTo,
                    operation: operation
                )
            } else if applyTo == .filterChain {
                filterField.warning(
                    "has no effect with applyTo FILTER_CHAIN: istiod matches filter chains by name only"
                )
            } else if applyTo == .networkFilter, let operation, [.add, .insertFirst].contains(operation) {
                filterField.warning(
                    "has no effect with \(operation.rawValue): istiod puts the filter into every filter chain matched"
                )
            }
        }
        match.sni = object.field("sni")?.string().flatMap { $0.isEmpty ? nil : $0 }
        match.transportProtocol = object.field("transport_protocol")?.string().flatMap { $0.isEmpty ? nil : $0 }
        if let protocols = object.field("application_protocols")?.string() {
            match.applicationProtocols = protocols.split(separator: ",").map(String.init)
        }
        if let portField = object.field("destination_port"), let port = portField.integer(in: 0...65535), port > 0 {
            match.destinationPort = Int(port)
        }
        object.finish()
        return match
    }

    /// `filter.subFilter`, as Istio's validation has it: for HTTP_FILTER only, inside a match on the HTTP connection
    /// manager, with a name.
    private static func decodeSubFilter(
        _ field: FieldValue,
        filterName: String?,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?
    ) -> String? {
        guard var object = field.object() else { return nil }
        let nameField = object.field("name")
        let name = nameField?.string().flatMap { $0.isEmpty ? nil : $0 }
        object.finish()
        if let applyTo, applyTo != .httpFilter {
            field.error("a subFilter match is valid with applyTo HTTP_FILTER only")
            return nil
        }
        if let filterName, !httpConnectionManagerNames.contains(filterName) {
            field.error("a subFilter match needs filter.name envoy.filters.network.http_connection_manager")
            return nil
        }
        if name == nil {
            (nameField ?? field).error("a subFilter match needs a name to match on")
        } else if let operation, [.add, .insertFirst].contains(operation) {
            field.warning(
                "has no effect with \(operation.rawValue): istiod puts the HTTP filter into every HTTP connection "
                    + "manager matched"
            )
        }
        return name
    }

    /// `match.routeConfiguration` with its `vhost` and `route`.
    private static func decodeRouteConfiguration(
        _ field: FieldValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?
    ) -> EnvoyFilter.RouteConfigurationMatch? {
        guard var object = field.object() else { return nil }
        var match = EnvoyFilter.RouteConfigurationMatch()
        match.portNumber = object.field("port_number")?.integer(in: 0...Int64(UInt32.max))
            .flatMap { $0 == 0 ? nil : Int($0) }
        match.portName = object.field("port_name")?.string().flatMap { $0.isEmpty ? nil : $0 }
        match.gateway = object.field("gateway")?.string().flatMap { $0.isEmpty ? nil : $0 }
        match.name = object.field("name")?.string().flatMap { $0.isEmpty ? nil : $0 }
        let hostField = object.field("vhost")
        object.finish()
        guard let hostField, var host = hostField.object() else { return match }
        var virtualHost = EnvoyFilter.VirtualHostMatch()
        virtualHost.name = host.field("name")?.string().flatMap { $0.isEmpty ? nil : $0 }
        let routeField = host.field("route")
        host.finish()
        if let routeField, var route = routeField.object() {
            var routeMatch = EnvoyFilter.RouteMatch()
            routeMatch.name = route.field("name")?.string().flatMap { $0.isEmpty ? nil : $0 }
            if let actionField = route.field("action"),
                let name = actionField.enumName("action", numbers: EnvoyFilter.RouteAction.numbers)
            {
                if let action = EnvoyFilter.RouteAction(rawValue: name) {
                    routeMatch.action = action
                } else {
                    let known = EnvoyFilter.RouteAction.allCases.map(\.rawValue).joined(separator: ", ")
                    actionField.error("unknown action \(JSONText.quote(name)); expected one of \(known)")
                }
            }
            route.finish()
            virtualHost.route = routeMatch
            if let applyTo, applyTo != .httpRoute {
                routeField.warning(
                    "has no effect with applyTo \(applyTo.rawValue): istiod matches routes for HTTP_ROUTE only"
                )
            }
        }
        match.virtualHost = virtualHost
        if applyTo == .routeConfiguration {
            hostField.warning(
                "has no effect with applyTo ROUTE_CONFIGURATION: istiod matches the route configuration only"
            )
        } else if applyTo == .virtualHost, operation == .add, virtualHost.name != nil {
            hostField.warning(
                "has no effect with ADD: istiod adds the virtual host to every route configuration matched"
            )
        }
        return match
    }
}
