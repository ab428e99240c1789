extension Bootstrap {
    /// Decodes and validates a bootstrap tree. Throws every error found; returns warnings beside the result.
    public static func decode(_ tree: ConfigTree) throws(ConfigError) -> (Bootstrap, warnings: [ConfigDiagnostic]) {
        let sink = DiagnosticSink()
        let bootstrap = decode(tree, sink: sink)
        bootstrap.validate(sink: sink)
        guard !sink.hasErrors else { throw ConfigError(diagnostics: sink.diagnostics) }
        return (bootstrap, sink.diagnostics)
    }

    /// Loads, decodes and validates a bootstrap file.
    public static func load(path: String) throws(ConfigError) -> (Bootstrap, warnings: [ConfigDiagnostic]) {
        try decode(try ConfigLoader.loadDocument(path: path))
    }

    static let envoyFields: Set<String> = [
        "node", "dynamic_resources", "cluster_manager", "stats_sinks", "stats_config", "stats_flush_interval",
        "layered_runtime", "tracing", "watchdogs", "hds_config", "flags_path",
        "stats_server_version_override",
        "default_socket_interface", "bootstrap_extensions", "fatal_actions", "inline_headers", "header_prefix",
        "typed_dns_resolver_config", "node_context_params", "listener_manager", "application_log_config",
    ]

    static func decode(_ tree: ConfigTree, sink: DiagnosticSink) -> Bootstrap {
        var bootstrap = Bootstrap()
        guard var root = ObjectReader(tree, path: .root, sink: sink) else { return bootstrap }
        if let admin = root.field("admin") {
            bootstrap.admin = AdminConfig.decode(admin)
        }
        if let resources = root.field("static_resources"), var reader = resources.object() {
            bootstrap.listeners = reader.field("listeners")?.list(ListenerConfig.decode) ?? []
            bootstrap.clusters = reader.field("clusters")?.list(ClusterConfig.decode) ?? []
            reader.finish(envoyFields: ["secrets"])
        }
        if let overloadManager = root.field("overload_manager") {
            bootstrap.globalConnectionLimit = GlobalConnectionLimitConfig.decodeOverloadManager(overloadManager)
        }
        root.finish(envoyFields: envoyFields)
        return bootstrap
    }
}

extension AdminConfig {
    static func decode(_ field: FieldValue) -> AdminConfig? {
        guard var reader = field.object() else { return nil }
        let addressField = reader.field("address")
        let address = addressField.flatMap(SocketAddressConfig.decodeAddress)
        if addressField == nil {
            field.error("admin needs an address")
        }
        reader.finish(envoyFields: [
            "access_log", "access_log_path", "profile_path", "socket_options", "ignore_global_conn_limit",
        ])
        return address.map { AdminConfig(address: $0, origin: reader.origin) }
    }
}

extension SocketAddressConfig {
    /// Reads an `envoy.config.core.v3.Address` holding a `socket_address`.
    static func decodeAddress(_ field: FieldValue) -> SocketAddressConfig? {
        guard var reader = field.object() else { return nil }
        let socketAddress = reader.field("socket_address")
        reader.finish(envoyFields: ["pipe", "envoy_internal_address"])
        guard let socketAddress else {
            field.error("needs a socket_address")
            return nil
        }
        return decode(socketAddress)
    }

    static func decode(_ field: FieldValue) -> SocketAddressConfig? {
        guard var reader = field.object() else { return nil }
        let addressField = reader.field("address")
        let address = addressField?.name()
        let portField = reader.field("port_value")
        let port = portField?.integer(in: 0...65535)
        if let protocolField = reader.field("protocol") {
            _ = protocolField.enumeration("protocol", ["TCP": 0])
        }
        reader.finish(envoyFields: ["resolver_name", "ipv4_compat", "named_port", "network_namespace_filepath"])
        if addressField == nil { field.error("needs an address") }
        if portField == nil { field.error("needs a port_value") }
        guard let address, let port else { return nil }
        return SocketAddressConfig(address: address, portValue: Int(port), origin: field.origin)
    }
}
