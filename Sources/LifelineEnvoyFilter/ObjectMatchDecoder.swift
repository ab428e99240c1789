import LifelineConfig

/// Decodes a patch's `match`. Istio's validation errors are errors here; what Istio only warns about (match fields
/// that have no effect for the patch's applyTo or operation) becomes a warning on the filter.
enum ObjectMatchDecoder {
    static let unsupportedHTTP = "not supported until Lifeline has an HTTP connection manager"

    static func decode(
        _ field: SpecValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter.ObjectMatch? {
        guard var object = field.object(&diagnostics) else { return nil }
        var match = EnvoyFilter.ObjectMatch()
        if let contextField = object.take("context", &diagnostics),
            let name = contextField.enumName("context", numbers: EnvoyFilter.PatchContext.numbers, &diagnostics)
        {
            if let context = EnvoyFilter.PatchContext(rawValue: name) {
                match.context = context
            } else {
                let known = EnvoyFilter.PatchContext.allCases.map(\.rawValue).joined(separator: ", ")
                contextField.error("unknown context \(JSONText.quote(name)); expected one of \(known)", &diagnostics)
            }
        }
        if let proxyField = object.take("proxy", &diagnostics) {
            match.proxy = decodeProxy(proxyField, &diagnostics)
        }
        object.reject("route_configuration", "routeConfiguration is \(unsupportedHTTP)", &diagnostics)
        object.reject("waypoint", "waypoint is not supported: Lifeline is a gateway", &diagnostics)
        let listenerField = object.take("listener", &diagnostics)
        let clusterField = object.take("cluster", &diagnostics)
        object.finish(&diagnostics)

        if listenerField != nil, let clusterField {
            clusterField.error("listener is given too; a match has one of listener and cluster", &diagnostics)
        }
        if let listenerField {
            if applyTo == .cluster {
                listenerField.error("applyTo CLUSTER matches clusters; use match.cluster", &diagnostics)
            }
            match.listener = ListenerMatchDecoder.decode(
                listenerField,
                applyTo: applyTo,
                operation: operation,
                &diagnostics
            )
        }
        if let clusterField {
            if let applyTo, applyTo.isListenerClass {
                clusterField.error(
                    "applyTo \(applyTo.rawValue) matches listener objects; use match.listener",
                    &diagnostics
                )
            }
            match.cluster = decodeCluster(clusterField, operation: operation, &diagnostics)
        }
        return match
    }

    /// `match.proxy`. A `proxyVersion` that is not a valid regular expression is an error, as in Istio's
    /// validation; it surfaces only when the patch otherwise applies to the gateway.
    private static func decodeProxy(_ field: SpecValue, _ diagnostics: inout Diagnostics) -> EnvoyFilter.ProxyMatch? {
        guard var object = field.object(&diagnostics) else { return nil }
        var match = EnvoyFilter.ProxyMatch()
        if let versionField = object.take("proxy_version", &diagnostics),
            let version = versionField.string(&diagnostics), !version.isEmpty
        {
            match.proxyVersion = version
            if let problem = ProxyVersionPattern.problem(version) {
                versionField.error("not a valid regular expression: \(problem)", &diagnostics)
            }
        }
        match.metadata = object.take("metadata", &diagnostics)?.stringMap(&diagnostics) ?? [:]
        object.finish(&diagnostics)
        return match
    }

    private static func decodeCluster(
        _ field: SpecValue,
        operation: EnvoyFilter.Operation?,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter.ClusterMatch? {
        guard var object = field.object(&diagnostics) else { return nil }
        var match = EnvoyFilter.ClusterMatch()
        match.name = object.take("name", &diagnostics)?.string(&diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        let portField = object.take("port_number", &diagnostics)
        match.portNumber = portField?.integer(in: 0...Int64(UInt32.max), &diagnostics).flatMap {
            $0 == 0 ? nil : Int($0)
        }
        let reason = "matches Istio service clusters, which a bootstrap does not have; match by name or portNumber"
        object.reject("service", "service \(reason)", &diagnostics)
        object.reject("subset", "subset \(reason)", &diagnostics)
        object.finish(&diagnostics)
        if match.name != nil, match.portNumber != nil, let portField {
            portField.warning(
                "has no effect: when name is given, istiod matches the cluster by name alone",
                &diagnostics
            )
        }
        if operation == .add, match.name != nil || match.portNumber != nil {
            field.warning("has no effect with ADD: istiod adds the cluster whatever the match says", &diagnostics)
        }
        return match
    }
}
