extension FilterChainConfig {
    /// The network filters Lifeline runs, for messages.
    static let terminalFilters = "\(TcpProxyConfig.filterName) or \(HttpConnectionManagerConfig.filterName)"

    static let envoyFields: Set<String> = [
        "use_proxy_proto", "metadata", "transport_socket_connect_timeout", "on_demand_configuration",
    ]

    /// A `filter_chains[]` entry, or with `isDefault` the `default_filter_chain`, whose `filter_chain_match` Envoy
    /// ignores.
    static func decode(_ field: FieldValue, isDefault: Bool) -> FilterChainConfig? {
        guard var reader = field.object() else { return nil }
        let name = reader.field("name")?.string()
        let matchField = reader.field("filter_chain_match")
        let match = matchField.flatMap(FilterChainMatchConfig.decode)
        let socketField = reader.field("transport_socket")
        let socket = socketField.flatMap(TransportSocketConfig.decodeDownstream)
        let filtersField = reader.field("filters")
        let filters = filtersField?.list(NetworkFilterConfig.decode) ?? []
        reader.finish(envoyFields: envoyFields)
        if isDefault, let matchField, let match, !match.isEmpty {
            matchField.warning(
                "the default_filter_chain takes the connections no chain matches; Envoy ignores its filter_chain_match"
            )
        }
        guard let filtersField else {
            field.error("a filter chain needs filters ending in \(terminalFilters)")
            return nil
        }
        if filtersField.tree.elements?.isEmpty ?? false {
            filtersField.error("a filter chain needs filters ending in \(terminalFilters)")
        }
        checkOrder(filters, count: filtersField.tree.elements?.count ?? 0, at: filtersField)
        if matchField != nil && match == nil { return nil }
        if socketField != nil && socket == nil { return nil }
        return FilterChainConfig(
            name: name,
            match: isDefault ? FilterChainMatchConfig() : match ?? FilterChainMatchConfig(),
            matchOrigin: isDefault ? nil : matchField?.origin,
            transportSocket: socket,
            filters: filters,
            origin: field.origin
        )
    }
}

extension FilterChainConfig {
    /// Envoy's rule for a chain's network filters: a terminal filter (tcp_proxy, http_connection_manager) is the last
    /// and only the last; Lifeline runs `connection_limit` filters before it.
    private static func checkOrder(_ filters: [NetworkFilterConfig], count: Int, at field: FieldValue) {
        // A filter that failed to decode has already reported why; its place is unknown, so order is not judged.
        guard filters.count == count, let last = filters.last else { return }
        for filter in filters.dropLast() where filter.isTerminal {
            field.sink.error(
                filter.origin,
                "terminal filter \(JSONText.quote(filter.name)) must be the last filter in a network filter chain "
                    + "(as Envoy requires)"
            )
        }
        if !last.isTerminal {
            field.sink.error(
                last.origin,
                "non-terminal filter \(JSONText.quote(last.name)) is the last filter in a network filter chain; "
                    + "end the chain with \(terminalFilters) (as Envoy requires)"
            )
        }
    }
}

extension NetworkFilterConfig {
    /// Reads a network filter as Envoy does: the extension is the one `typed_config`'s `@type` names, whatever the
    /// filter's `name` (which must only be non-empty). Without an `@type` Envoy finds no extension, whatever the name.
    static func decode(_ field: FieldValue) -> NetworkFilterConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        let typedConfig = reader.field("typed_config")
        let discovered = reader.has("config_discovery")
        reader.finish(envoyFields: ["config_discovery"])
        if nameField == nil { field.error("a filter needs a name") }
        guard let typedConfig else {
            if !discovered {
                field.error("a filter needs a typed_config whose @type names it, e.g. \(TcpProxyConfig.typeURL)")
            }
            return nil
        }
        // Read here only to pick the filter; the filter's own decoder reads every field.
        guard var typed = typedConfig.object() else { return nil }
        guard let typeField = typed.field("@type") else {
            typedConfig.error(
                "typed_config needs an @type: Envoy picks the filter by its type, not by its name "
                    + "(e.g. \(TcpProxyConfig.typeURL))"
            )
            return nil
        }
        guard let type = typeField.string() else { return nil }
        switch type {
        case TcpProxyConfig.typeURL:
            guard let proxy = TcpProxyConfig.decode(typedConfig), let name else { return nil }
            return NetworkFilterConfig(name: name, kind: .tcpProxy(proxy), origin: field.origin)
        case HttpConnectionManagerConfig.typeURL:
            guard let manager = HttpConnectionManagerConfig.decode(typedConfig), let name else { return nil }
            return NetworkFilterConfig(name: name, kind: .httpConnectionManager(manager), origin: field.origin)
        case ConnectionLimitConfig.typeURL:
            guard let limit = ConnectionLimitConfig.decode(typedConfig), let name else { return nil }
            return NetworkFilterConfig(name: name, kind: .connectionLimit(limit), origin: field.origin)
        default:
            typeField.error(
                "network filter \(JSONText.quote(type)) is not supported by Lifeline, "
                    + "which runs \(TcpProxyConfig.typeURL), \(HttpConnectionManagerConfig.typeURL) or "
                    + ConnectionLimitConfig.typeURL
            )
            return nil
        }
    }
}

extension TcpProxyConfig {
    static let envoyFields: Set<String> = [
        "weighted_clusters", "on_demand", "metadata_match", "downstream_idle_timeout", "upstream_idle_timeout",
        "access_log", "max_connect_attempts", "hash_policy", "tunneling_config", "max_downstream_connection_duration",
        "access_log_flush_interval", "flush_access_log_on_connected", "access_log_options", "backoff_options",
        "proxy_protocol_tlvs",
    ]

    static func decode(_ field: FieldValue) -> TcpProxyConfig? {
        guard var reader = field.object() else { return nil }
        // The filter was picked by this @type (see NetworkFilterConfig.decode).
        _ = reader.field("@type")
        let statPrefixField = reader.field("stat_prefix")
        let statPrefix = statPrefixField?.name()
        let clusterField = reader.field("cluster")
        let cluster = clusterField?.name()
        let idleTimeout = reader.field("idle_timeout")?.duration()
        let hasIdleTimeout = idleTimeout != nil
        reader.finish(envoyFields: envoyFields)
        if statPrefixField == nil { field.error("tcp_proxy needs a stat_prefix") }
        if clusterField == nil { field.error("tcp_proxy needs a cluster") }
        if let cluster, let clusterField {
            field.sink.clusterReferences.append((cluster, clusterField.origin))
        }
        guard let statPrefix, let cluster, let clusterField else { return nil }
        let effectiveIdle: Duration? = hasIdleTimeout ? (idleTimeout == .zero ? nil : idleTimeout) : defaultIdleTimeout
        return TcpProxyConfig(
            statPrefix: statPrefix,
            cluster: cluster,
            idleTimeout: effectiveIdle,
            origin: field.origin,
            clusterOrigin: clusterField.origin
        )
    }
}
