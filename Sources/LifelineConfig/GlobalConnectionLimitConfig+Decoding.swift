extension GlobalConnectionLimitConfig {
    /// Fields of `envoy.config.overload.v3.OverloadManager` (Envoy 1.40) Lifeline does not implement: it runs the
    /// one monitor that caps connections, which needs no actions (the cap itself is the action).
    static let overloadManagerEnvoyFields: Set<String> = ["refresh_interval", "actions", "loadshed_points"]

    /// Reads `overload_manager`: its one supported monitor, or nil (with an error at the path of what is not
    /// supported).
    static func decodeOverloadManager(_ field: FieldValue) -> GlobalConnectionLimitConfig? {
        guard var reader = field.object() else { return nil }
        let monitorsField = reader.field("resource_monitors")
        let list = monitorsField?.array()
        let monitors = list ?? []
        reader.finish(envoyFields: overloadManagerEnvoyFields)
        if monitorsField == nil || list?.isEmpty == true {
            // Envoy's validation: `resource_monitors` must hold at least one monitor.
            field.error("needs at least one resource_monitors entry")
        }
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

    /// The `name` Envoy registers the monitor under.
    static let monitorName = "envoy.resource_monitors.global_downstream_max_connections"

    /// Reads one `envoy.config.overload.v3.ResourceMonitor`. Envoy finds a monitor by its `name` and the `@type` of
    /// its `typed_config` together; Lifeline runs only the global downstream connection limit.
    private static func decodeMonitor(_ field: FieldValue) -> GlobalConnectionLimitConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let typedConfig = reader.field("typed_config")
        reader.finish()
        guard let nameField else {
            field.error("a resource monitor needs a name")
            return nil
        }
        guard let name = nameField.name() else { return nil }
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
        guard name == monitorName else {
            // Envoy looks the monitor up by its name and its type together.
            nameField.error("the monitor of \(Self.typeURL) is named \(monitorName)")
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
