import LifelineConfig

/// Decodes `match.listener` with its `filterChain` and `filter`.
enum ListenerMatchDecoder {
    static func decode(
        _ field: SpecValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter.ListenerMatch? {
        guard var object = field.object(&diagnostics) else { return nil }
        var match = EnvoyFilter.ListenerMatch()
        match.name = object.take("name", &diagnostics)?.string(&diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        match.portNumber = object.take("port_number", &diagnostics)?.integer(in: 0...Int64(UInt32.max), &diagnostics)
            .flatMap { $0 == 0 ? nil : Int($0) }
        object.reject("port_name", "portName is not implemented by Istio; match by portNumber", &diagnostics)
        object.reject(
            "listener_filter",
            "listenerFilter is not supported: Lifeline does not support applyTo LISTENER_FILTER",
            &diagnostics
        )
        let chainField = object.take("filter_chain", &diagnostics)
        object.finish(&diagnostics)

        if operation == .add, applyTo == .listener, match.name != nil || match.portNumber != nil {
            field.warning("has no effect with ADD: istiod adds the listener whatever the match says", &diagnostics)
        }
        guard let chainField else { return match }
        match.filterChain = decodeFilterChain(chainField, applyTo: applyTo, operation: operation, &diagnostics)
        if applyTo == .listener {
            chainField.warning(
                "has no effect with applyTo LISTENER: istiod matches listeners by name and portNumber only",
                &diagnostics
            )
        } else if applyTo == .filterChain, operation == .add, match.filterChain?.name != nil {
            chainField.warning(
                "has no effect with ADD: istiod adds the filter chain to every listener matched",
                &diagnostics
            )
        }
        return match
    }

    private static func decodeFilterChain(
        _ field: SpecValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation?,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter.FilterChainMatch? {
        guard var object = field.object(&diagnostics) else { return nil }
        var match = EnvoyFilter.FilterChainMatch()
        match.name = object.take("name", &diagnostics)?.string(&diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        if let filterField = object.take("filter", &diagnostics), var filter = filterField.object(&diagnostics) {
            let nameField = filter.take("name", &diagnostics)
            match.filterName = nameField?.string(&diagnostics).flatMap { $0.isEmpty ? nil : $0 }
            filter.reject("sub_filter", "subFilter is \(ObjectMatchDecoder.unsupportedHTTP)", &diagnostics)
            filter.finish(&diagnostics)
            if match.filterName == nil {
                (nameField ?? filterField).error("a filter match needs a name to match on", &diagnostics)
            } else if applyTo == .filterChain {
                filterField.warning(
                    "has no effect with applyTo FILTER_CHAIN: istiod matches filter chains by name only",
                    &diagnostics
                )
            } else if applyTo == .networkFilter, let operation, [.add, .insertFirst].contains(operation) {
                filterField.warning(
                    "has no effect with \(operation.rawValue): istiod puts the filter into every filter chain matched",
                    &diagnostics
                )
            }
        }
        match.sni = object.take("sni", &diagnostics)?.string(&diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        match.transportProtocol = object.take("transport_protocol", &diagnostics)?.string(&diagnostics)
            .flatMap { $0.isEmpty ? nil : $0 }
        if let protocols = object.take("application_protocols", &diagnostics)?.string(&diagnostics) {
            match.applicationProtocols = protocols.split(separator: ",").map(String.init)
        }
        if let portField = object.take("destination_port", &diagnostics),
            let port = portField.integer(in: 0...65535, &diagnostics), port > 0
        {
            match.destinationPort = Int(port)
        }
        object.finish(&diagnostics)
        return match
    }
}
