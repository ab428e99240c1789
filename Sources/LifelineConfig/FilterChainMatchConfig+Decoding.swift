extension FilterChainMatchConfig {
    static let envoyFields: Set<String> = []

    static func decode(_ field: FieldValue) -> FilterChainMatchConfig? {
        guard var reader = field.object() else { return nil }
        var match = FilterChainMatchConfig()
        match.destinationPort = reader.field("destination_port")?.integer(in: 1...65535).map(Int.init)
        match.prefixRanges = reader.field("prefix_ranges")?.list(CidrRangeConfig.decode) ?? []
        match.serverNames = reader.field("server_names")?.list(decodeServerName) ?? []
        match.transportProtocol = reader.field("transport_protocol")?.string() ?? ""
        match.applicationProtocols = reader.field("application_protocols")?.list { $0.string() } ?? []
        if let sourceType = reader.field("source_type")?.enumeration("source_type", SourceType.protoNames) {
            match.sourceType = SourceType(rawValue: sourceType) ?? .any
        }
        match.sourcePrefixRanges = reader.field("source_prefix_ranges")?.list(CidrRangeConfig.decode) ?? []
        match.sourcePorts = reader.field("source_ports")?.list { $0.integer(in: 1...65535).map(Int.init) } ?? []
        match.directSourcePrefixRanges =
            reader.field("direct_source_prefix_ranges")?.list(CidrRangeConfig.decode) ?? []
        // Envoy rejects these: "filter chain contains unimplemented fields".
        for name in ["address_suffix", "suffix_len"] {
            reader.field(name)?.error("\(name) is not implemented by Envoy, which rejects a filter chain that sets it")
        }
        reader.finish(envoyFields: envoyFields)
        return match
    }

    /// A `server_names` entry: an exact name or a wildcard `*.example.com`; Envoy rejects other uses of `*`.
    private static func decodeServerName(_ field: FieldValue) -> String? {
        guard let name = field.string() else { return nil }
        if name.contains("*") && !name.hasPrefix("*.") {
            field.error(
                "partial wildcards are not supported in server_names: a wildcard is a leading *. "
                    + "(*.example.com matches any name ending in .example.com)"
            )
            return nil
        }
        return name
    }
}

extension CidrRangeConfig {
    static func decode(_ field: FieldValue) -> CidrRangeConfig? {
        guard var reader = field.object() else { return nil }
        let prefixField = reader.field("address_prefix")
        let prefix = prefixField?.name()
        let lengthField = reader.field("prefix_len")
        let length = lengthField?.integer(in: 0...128)
        reader.finish()
        guard let prefixField else {
            field.error("a CIDR range needs an address_prefix")
            return nil
        }
        guard let prefix else { return nil }
        guard let address = IPAddressText.bytes(prefix) else {
            prefixField.error("\(JSONText.quote(prefix)) is not an IP address")
            return nil
        }
        if lengthField != nil && length == nil { return nil }
        let range = CidrRangeConfig(addressPrefix: prefix, prefixLength: Int(length ?? 0), address: address)
        if let lengthField, range.effectivePrefixLength < range.prefixLength {
            lengthField.warning(
                "an IPv4 prefix is at most 32 bits long; Envoy reads prefix_len \(range.prefixLength) as 32"
            )
        }
        return range
    }
}
