extension ListenerConfig {
    /// Envoy's rules for a listener's filter chains, checked when the config is read:
    ///
    /// - two chains with the same `filter_chain_match` (Envoy: "filter chain 'b' has the same matching rules defined
    ///   as 'a'");
    /// - two chains (or two entries of one chain's lists) that match the same connection equally well, once
    ///   server names are lower-cased and CIDR ranges reduced to their network (Envoy: "multiple filter chains with
    ///   overlapping matching rules are defined");
    /// - and a warning for a chain that can never be chosen because it matches on what only `tls_inspector` reads.
    func validateFilterChains(sink: DiagnosticSink) {
        var firstWithMatch: [FilterChainMatchConfig: FilterChainConfig] = [:]
        var owners: [FilterChainMatchKey: Int] = [:]
        for (index, chain) in filterChains.enumerated() {
            let place = chain.matchOrigin ?? chain.origin
            if let earlier = firstWithMatch[chain.match] {
                sink.error(
                    place,
                    "this filter chain has the same filter_chain_match as \(earlier.label); Envoy rejects filter "
                        + "chains with the same matching rules"
                )
                continue
            }
            firstWithMatch[chain.match] = chain
            for key in chain.match.keys {
                if let owner = owners[key] {
                    let both = key.description
                    if owner == index {
                        sink.error(
                            place,
                            "this filter_chain_match lists the same match twice (\(both)); Envoy rejects it as "
                                + "overlapping matching rules"
                        )
                    } else {
                        sink.error(
                            place,
                            "this filter chain overlaps \(filterChains[owner].label): both match \(both); Envoy "
                                + "rejects filter chains with overlapping matching rules"
                        )
                    }
                    break
                }
                owners[key] = index
            }
        }
        if !hasTlsInspector {
            for chain in filterChains {
                warnAboutInspection(chain, sink: sink)
            }
        }
    }

    /// A chain that matches on SNI, ALPN or `transport_protocol: tls` needs `tls_inspector` to ever be chosen.
    private func warnAboutInspection(_ chain: FilterChainConfig, sink: DiagnosticSink) {
        guard let origin = chain.matchOrigin else { return }
        let match = chain.match
        var needs: [String] = []
        if !match.serverNames.isEmpty { needs.append("server_names") }
        if match.transportProtocol == "tls" { needs.append("transport_protocol: tls") }
        if !match.applicationProtocols.isEmpty { needs.append("application_protocols") }
        guard !needs.isEmpty else { return }
        sink.warning(
            origin,
            "this filter chain matches on \(needs.joined(separator: ", ")), which only listener_filters "
                + "\(ListenerFilterConfig.tlsInspectorName) reads from the ClientHello; without it no connection "
                + "matches, and this chain is never chosen"
        )
    }
}

/// One combination of a filter chain's match values, as Envoy files it: a chain with two server names and two
/// source ports files four. Two chains that file the same key overlap.
struct FilterChainMatchKey: Hashable, CustomStringConvertible {
    var destinationPort: Int
    var prefixRange: String
    var serverName: String
    var transportProtocol: String
    var applicationProtocol: String
    var directSourcePrefixRange: String
    var sourceType: FilterChainMatchConfig.SourceType
    var sourcePrefixRange: String
    var sourcePort: Int

    /// The conditions this key places: `server_names "*.example.com", source_ports 443`, or `every connection`.
    var description: String {
        var parts: [String] = []
        if destinationPort != 0 { parts.append("destination_port \(destinationPort)") }
        if !prefixRange.isEmpty { parts.append("prefix_ranges \(prefixRange)") }
        if !serverName.isEmpty {
            parts.append("server_names \(JSONText.quote(serverName.hasPrefix(".") ? "*" + serverName : serverName))")
        }
        if !transportProtocol.isEmpty { parts.append("transport_protocol \(JSONText.quote(transportProtocol))") }
        if !applicationProtocol.isEmpty {
            parts.append("application_protocols \(JSONText.quote(applicationProtocol))")
        }
        if !directSourcePrefixRange.isEmpty {
            parts.append("direct_source_prefix_ranges \(directSourcePrefixRange)")
        }
        if sourceType != .any { parts.append("source_type \(sourceType.protoName)") }
        if !sourcePrefixRange.isEmpty { parts.append("source_prefix_ranges \(sourcePrefixRange)") }
        if sourcePort != 0 { parts.append("source_ports \(sourcePort)") }
        return parts.isEmpty ? "every connection" : parts.joined(separator: ", ")
    }
}

extension FilterChainMatchConfig {
    /// Every key this match files, in Envoy's order; an empty list files the "any" value ("" or 0).
    var keys: [FilterChainMatchKey] {
        func or<T>(_ values: [T], _ any: T) -> [T] { values.isEmpty ? [any] : values }
        var keys: [FilterChainMatchKey] = []
        for prefix in or(prefixRanges.map(\.key), "") {
            for name in or(serverNames.map(Self.normalizedServerName), "") {
                for protocolName in or(applicationProtocols, "") {
                    for direct in or(directSourcePrefixRanges.map(\.key), "") {
                        for source in or(sourcePrefixRanges.map(\.key), "") {
                            for port in or(sourcePorts, 0) {
                                keys.append(
                                    FilterChainMatchKey(
                                        destinationPort: destinationPort ?? 0,
                                        prefixRange: prefix,
                                        serverName: name,
                                        transportProtocol: transportProtocol,
                                        applicationProtocol: protocolName,
                                        directSourcePrefixRange: direct,
                                        sourceType: sourceType,
                                        sourcePrefixRange: source,
                                        sourcePort: port
                                    )
                                )
                            }
                        }
                    }
                }
            }
        }
        return keys
    }
}
