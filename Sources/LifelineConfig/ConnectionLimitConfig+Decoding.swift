extension ConnectionLimitConfig {
    /// Reads the filter's `typed_config` with Envoy 1.40's rules: `stat_prefix` non-empty, `max_connections` at
    /// least 1 (a `google.protobuf.UInt64Value`), `delay` a non-negative duration (`0s` is no delay, as in Envoy),
    /// `runtime_enabled` a `RuntimeFeatureFlag` whose `default_value` is required.
    static func decode(_ field: FieldValue) -> ConnectionLimitConfig? {
        guard var reader = field.object() else { return nil }
        // The filter was picked by this @type (see NetworkFilterConfig.decode).
        _ = reader.field("@type")
        let statPrefixField = reader.field("stat_prefix")
        let statPrefix = statPrefixField?.name()
        let maxField = reader.field("max_connections")
        let max = maxField.flatMap(maxConnections)
        let delay = reader.field("delay")?.duration()
        let enabledField = reader.field("runtime_enabled")
        let enabled = enabledField.map(decodeRuntimeFlag)
        reader.finish()
        if statPrefixField == nil { field.error("connection_limit needs a stat_prefix") }
        if maxField == nil { field.error("connection_limit needs max_connections (at least 1)") }
        guard let statPrefix, let max, enabled != .some(nil) else { return nil }
        return ConnectionLimitConfig(
            statPrefix: statPrefix,
            maxConnections: UInt64(max),
            delay: delay == .zero ? nil : delay,
            enabled: enabled.flatMap { $0 } ?? true,
            origin: field.origin
        )
    }

    /// `max_connections`, a `google.protobuf.UInt64Value`: a value past `Int64.max` (Envoy takes up to 2^64 − 1) is
    /// as good as no cap, so it is held as `Int64.max`.
    private static func maxConnections(_ field: FieldValue) -> Int64? {
        switch field.tree.value {
        case .number(let text), .string(let text):
            if let big = UInt64(text), big > UInt64(Int64.max) { return Int64.max }
        default:
            break
        }
        return field.integer(in: 1...Int64.max)
    }

    /// `envoy.config.core.v3.RuntimeFeatureFlag`: `default_value` (required) and `runtime_key`, which names a
    /// runtime key Lifeline has no layer to read, so the default is what holds.
    private static func decodeRuntimeFlag(_ field: FieldValue) -> Bool? {
        guard var reader = field.object() else { return nil }
        let valueField = reader.field("default_value")
        let value = valueField?.bool()
        _ = reader.field("runtime_key")?.string()
        reader.finish()
        guard valueField != nil else {
            field.error("runtime_enabled needs a default_value")
            return nil
        }
        return value
    }
}
