extension GlobalConnectionLimitConfig {
    /// Fields of `envoy.config.overload.v3.OverloadManager` Lifeline does not implement: it runs the one monitor
    /// that caps connections, which needs no actions (the cap itself is the action).
    static let overloadManagerEnvoyFields: Set<String> = [
        "refresh_interval", "actions", "loadshed_points", "buffer_factor_config", "shrink_heap_threshold",
    ]

    /// Reads `overload_manager`: its one supported monitor, or nil (with an error at the path of what is not
    /// supported).
    static func decodeOverloadManager(_ field: FieldValue) -> GlobalConnectionLimitConfig? {
        guard var reader = field.object() else { return nil }
        let monitors = reader.field("resource_monitors")?.array() ?? []
        reader.finish(envoyFields: overloadManagerEnvoyFields)
        var found: GlobalConnectionLimitConfig?
        for monitor in monitors {
            guard let limit = decodeMonitor(monitor) else { continue }
            if found == nil {
                found = limit
            } else {
                monitor.error("the global downstream connection limit is given more than once")
            }
        }
        return found
    }

    /// Reads one `envoy.config.overload.v3.ResourceMonitor`; the monitor is picked by the `@type` of its
    /// `typed_config`, as Envoy picks an extension, and only the global downstream connection limit is run.
    private static func decodeMonitor(_ field: FieldValue) -> GlobalConnectionLimitConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let typedConfig = reader.field("typed_config")
        reader.finish()
        guard let nameField else {
            field.error("a resource monitor needs a name")
            return nil
        }
        guard nameField.name() != nil else { return nil }
        guard let typedConfig, var typed = typedConfig.object() else {
            if typedConfig == nil {
                field.error("a resource monitor needs a typed_config whose @type names it, e.g. \(typeURL)")
            }
            return nil
        }
        let typeField = typed.field("@type")
        guard let typeURL = typeField?.string() else {
            if typeField == nil { typedConfig.error("typed_config needs an @type, e.g. \(Self.typeURL)") }
            return nil
        }
        guard typeURL == Self.typeURL else {
            typeField?.error(
                "resource monitor \(typeURL) not supported by Lifeline, which runs only "
                    + "envoy.resource_monitors.global_downstream_max_connections (\(Self.typeURL))"
            )
            typed.ignoreRest()
            return nil
        }
        let maxField = typed.field("max_active_downstream_connections")
        let max = maxField?.integer(in: 1...Int64.max)
        typed.finish()
        guard let maxField else {
            typedConfig.error("needs max_active_downstream_connections (greater than 0)")
            return nil
        }
        return max.map { GlobalConnectionLimitConfig(maxActiveDownstreamConnections: $0, origin: maxField.origin) }
    }
}
