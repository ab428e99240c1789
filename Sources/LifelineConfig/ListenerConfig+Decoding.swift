extension ListenerConfig {
    static let envoyFields: Set<String> = [
        "additional_addresses", "metadata", "deprecated_v1", "drain_type", "transparent", "freebind",
        "tcp_fast_open_queue_length", "traffic_direction", "udp_listener_config", "api_listener",
        "connection_balance_config", "reuse_port", "access_log", "bind_to_port",
        "filter_chain_matcher", "use_original_dst", "enable_mptcp",
        "ignore_global_conn_limit", "max_connections_to_accept_per_socket_event", "internal_listener",
        "listener_specifier", "fcds_config", "bypass_overload_manager",
    ]

    static func decode(_ field: FieldValue) -> ListenerConfig? {
        guard var reader = field.object() else { return nil }
        let name = reader.field("name")?.name()
        let statPrefix = reader.field("stat_prefix")?.string()
        let addressField = reader.field("address")
        let address = addressField.flatMap(SocketAddressConfig.decodeAddress)
        if addressField == nil {
            field.error("a listener needs an address")
        }
        let socketOptions = reader.field("socket_options")?.list(SocketOptionConfig.decode) ?? []
        let reusePort = reader.field("enable_reuse_port")?.bool()
        let bufferLimit = reader.field("per_connection_buffer_limit_bytes")?.integer(in: 1...Int64(UInt32.max))
        let backlog = reader.field("tcp_backlog_size")?.integer(in: 1...Int64(Int32.max))
        let keepalive = reader.field("tcp_keepalive").flatMap(TcpKeepaliveConfig.decode)
        let userTimeoutField = reader.field("tcp_user_timeout")
        let userTimeout = userTimeoutField.flatMap { $0.userTimeout() }
        let listenerFilters = reader.field("listener_filters")?.list(ListenerFilterConfig.decode) ?? []
        let filtersTimeout = reader.field("listener_filters_timeout")?.duration()
        let continueOnTimeout = reader.field("continue_on_listener_filters_timeout")?.bool()
        let chainsField = reader.field("filter_chains")
        let chains = chainsField?.list { FilterChainConfig.decode($0, isDefault: false) } ?? []
        let defaultField = reader.field("default_filter_chain")
        let defaultChain = defaultField.flatMap { FilterChainConfig.decode($0, isDefault: true) }
        if defaultField == nil {
            // Envoy: "no filter chains specified".
            if chainsField == nil {
                field.error("a listener needs filter_chains or a default_filter_chain")
            } else if let chainsField, chainsField.tree.elements?.isEmpty == true {
                chainsField.error("a listener needs filter_chains or a default_filter_chain; filter_chains is empty")
            }
        }
        reader.finish(envoyFields: envoyFields)
        guard let address else { return nil }
        var listener = ListenerConfig(
            name: name ?? defaultName(for: address),
            address: address,
            socketOptions: socketOptions,
            enableReusePort: reusePort ?? true,
            perConnectionBufferLimitBytes: bufferLimit.map(Int.init) ?? defaultBufferLimitBytes,
            tcpBacklogSize: backlog.map(Int.init),
            filterChains: chains,
            origin: reader.origin
        )
        listener.defaultFilterChain = defaultChain
        listener.listenerFilters = listenerFilters
        listener.listenerFiltersTimeout = filtersTimeout
        listener.continueOnListenerFiltersTimeout = continueOnTimeout ?? false
        listener.tcpKeepalive = keepalive
        listener.tcpUserTimeout = userTimeout
        listener.tcpUserTimeoutOrigin = userTimeoutField?.origin
        listener.statPrefix = statPrefix.flatMap { $0.isEmpty ? nil : $0 }
        return listener
    }
}

extension SocketOptionConfig {
    static func decode(_ field: FieldValue) -> SocketOptionConfig? {
        guard var reader = field.object() else { return nil }
        let description = reader.field("description")?.string()
        let levelField = reader.field("level")
        let nameField = reader.field("name")
        let level = levelField.flatMap(decodeNumber)
        let name = nameField.flatMap(decodeNumber)
        let intField = reader.field("int_value")
        let bufField = reader.field("buf_value")
        let intValue = intField?.integer(in: Int64(Int32.min)...Int64(Int32.max))
        let bufValue = bufField?.base64()
        let state = reader.field("state")?.enumeration("state", State.protoNames)
        let typeField = reader.field("type")
        reader.finish()

        if levelField == nil { field.error("needs a level") }
        if nameField == nil { field.error("needs a name") }
        if let typeField {
            typeField.error("socket option type (datagram/stream) is not supported; options apply to TCP listeners")
        }
        let value: Value?
        switch (intField, bufField) {
        case (.some, .some):
            field.error("int_value and buf_value are both set; set one")
            value = nil
        case (.none, .none):
            field.error("needs int_value or buf_value")
            value = nil
        case (.some, .none):
            value = intValue.map(Value.int)
        case (.none, .some):
            value = bufValue.map(Value.bytes)
        }
        guard let level, let name, let value else { return nil }
        return SocketOptionConfig(
            description: description,
            level: level,
            name: name,
            value: value,
            state: state.flatMap(State.init(rawValue:)) ?? .prebind,
            origin: field.origin
        )
    }

    private static func decodeNumber(_ field: FieldValue) -> Number? {
        switch field.tree.value {
        case .string(let text) where !text.isEmpty && !text.allSatisfy(\.isASCIIDigit) && !text.hasPrefix("-"):
            return .symbol(text)
        default:
            return field.integer(in: Int64(Int32.min)...Int64(Int32.max)).map(Number.number)
        }
    }
}
