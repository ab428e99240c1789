extension ProxyProtocolConfig {
    /// Fields of Envoy 1.40's message Lifeline does not read: where rule values go (Lifeline keeps them with the
    /// connection, in neither filter state nor dynamic metadata).
    static let envoyFields: Set<String> = ["tlv_location"]

    /// Reads the filter's `typed_config` (its `@type` already taken).
    static func decode(_ typed: inout ObjectReader) -> ProxyProtocolConfig {
        var config = ProxyProtocolConfig()
        config.rules = typed.field("rules")?.list(Rule.decode) ?? []
        config.allowRequestsWithoutProxyProtocol =
            typed.field("allow_requests_without_proxy_protocol")?.bool() ?? false
        config.passThroughTLVs = typed.field("pass_through_tlvs").flatMap(decodePassThrough)
        config.disallowedVersions =
            typed.field("disallowed_versions")?.list { value in
                value.enumeration("envoy.config.core.v3.ProxyProtocolConfig.Version", ["V1": 0, "V2": 1]).map {
                    $0 == 0 ? Version.v1 : Version.v2
                }
            } ?? []
        config.statPrefix = typed.field("stat_prefix")?.string().flatMap { $0.isEmpty ? nil : $0 }
        typed.finish(envoyFields: envoyFields)
        return config
    }

    private static func decodePassThrough(_ field: FieldValue) -> PassThroughTLVs? {
        guard var reader = field.object() else { return nil }
        let matchType =
            reader.field("match_type")?.enumeration(
                "envoy.config.core.v3.ProxyProtocolPassThroughTLVs.PassTLVsMatchType",
                ["INCLUDE_ALL": 0, "INCLUDE": 1]
            ) ?? 0
        let types = reader.field("tlv_type")?.list(tlvType) ?? []
        reader.finish()
        return matchType == 0 ? .all : .only(types)
    }

    /// A TLV type: Envoy's `uint32` constrained below 256. Envoy's YAML reader takes a hexadecimal scalar
    /// (`tlv_type: 0xEA`, as TLV types are usually written) for its number, and so does Lifeline here.
    static func tlvType(_ value: FieldValue) -> UInt8? {
        if case .string(let text) = value.tree.value, text.lowercased().hasPrefix("0x"),
            let number = UInt32(text.dropFirst(2), radix: 16)
        {
            guard number < 256 else {
                value.error("a TLV type is less than 256")
                return nil
            }
            return UInt8(number)
        }
        guard let number = value.integer(in: 0...Int64(UInt32.max)) else { return nil }
        guard number < 256 else {
            value.error("a TLV type is less than 256")
            return nil
        }
        return UInt8(number)
    }
}

extension ProxyProtocolConfig.Rule {
    static func decode(_ field: FieldValue) -> ProxyProtocolConfig.Rule? {
        guard var reader = field.object() else { return nil }
        let type = reader.field("tlv_type").flatMap(ProxyProtocolConfig.tlvType) ?? 0
        var namespace = ""
        var key: String?
        if let present = reader.field("on_tlv_present"), var pair = present.object() {
            namespace = pair.field("metadata_namespace")?.string() ?? ""
            if let keyField = pair.field("key") {
                key = keyField.name()
            } else {
                present.error("on_tlv_present needs a key")
            }
            pair.finish()
        }
        reader.finish()
        return ProxyProtocolConfig.Rule(tlvType: type, metadataNamespace: namespace, key: key)
    }
}
