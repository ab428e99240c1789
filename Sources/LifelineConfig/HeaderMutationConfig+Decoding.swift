extension HeaderMutationConfig {
    /// Takes the four header mutation fields of a route configuration, virtual host, route or weighted cluster.
    static func decode(_ reader: inout ObjectReader) -> HeaderMutationConfig {
        HeaderMutationConfig(
            requestHeadersToAdd: reader.field("request_headers_to_add")?.list(HeaderValueOptionConfig.decode) ?? [],
            requestHeadersToRemove: reader.field("request_headers_to_remove")?.list(removedName) ?? [],
            responseHeadersToAdd: reader.field("response_headers_to_add")?.list(HeaderValueOptionConfig.decode) ?? [],
            responseHeadersToRemove: reader.field("response_headers_to_remove")?.list(removedName) ?? []
        )
    }

    private static func removedName(_ field: FieldValue) -> String? {
        guard let name = field.name() else { return nil }
        let lower = ProtoJSONDialect.asciiLowercased(name)
        if lower.hasPrefix(":") || lower == "host" {
            // Envoy: ":-prefixed or host headers may not be removed".
            field.error("pseudo-headers (\":…\") and host may not be removed")
            return nil
        }
        return lower
    }
}

extension HeaderValueOptionConfig {
    static func decode(_ field: FieldValue) -> HeaderValueOptionConfig? {
        guard var reader = field.object() else { return nil }
        let headerField = reader.field("header")
        var key: String?
        var value = ""
        if let headerField, var header = headerField.object() {
            let keyField = header.field("key")
            key = keyField?.name()
            value = header.field("value")?.string() ?? ""
            header.finish(envoyFields: ["raw_value"])
            if keyField == nil { headerField.error("a header needs a key") }
            if let name = key {
                let lower = ProtoJSONDialect.asciiLowercased(name)
                if lower.hasPrefix(":") || lower == "host" {
                    // Envoy: ":-prefixed or host headers may not be modified".
                    keyField?.error("pseudo-headers (\":…\") and host may not be modified")
                    key = nil
                }
            }
        }
        let appendField = reader.field("append")
        let append = appendField?.bool()
        let actionField = reader.field("append_action")
        let action = actionField?.enumeration("append_action", AppendAction.protoNames)
        let keepEmpty = reader.field("keep_empty_value")?.bool()
        reader.finish()
        if headerField == nil { field.error("needs a header with a key and a value") }
        if appendField != nil, let actionField {
            // Envoy: "Both append and append_action are set and it's not allowed".
            actionField.error("give only one of append (deprecated) and append_action")
            return nil
        }
        guard let key else { return nil }
        let appendAction: AppendAction =
            if let append { append ? .appendIfExistsOrAdd : .overwriteIfExistsOrAdd } else {
                action.flatMap(AppendAction.init(rawValue:)) ?? .appendIfExistsOrAdd
            }
        return HeaderValueOptionConfig(
            name: ProtoJSONDialect.asciiLowercased(key),
            value: value,
            appendAction: appendAction,
            keepEmptyValue: keepEmpty ?? false
        )
    }
}
