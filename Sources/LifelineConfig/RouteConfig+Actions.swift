/// Decoding of a route's actions: `route` (with weighted clusters and max_stream_duration), `direct_response` and
/// `redirect`.
extension ForwardConfig {
    static let envoyFields: Set<String> = [
        "cluster_header", "cluster_specifier_plugin", "inline_cluster_specifier_plugin",
        "cluster_not_found_response_code", "metadata_match", "regex_rewrite", "path_rewrite_policy", "path_rewrite",
        "auto_host_rewrite", "host_rewrite_header", "host_rewrite_path_regex", "append_x_forwarded_host",
        "flush_timeout", "early_data_policy", "retry_policy", "retry_policy_typed_config", "request_mirror_policies",
        "priority", "rate_limits", "include_vh_rate_limits", "hash_policy", "cors", "max_grpc_timeout",
        "grpc_timeout_offset", "upgrade_configs", "internal_redirect_policy", "internal_redirect_action",
        "max_internal_redirects", "hedge_policy",
    ]

    static func decode(_ field: FieldValue) -> ForwardConfig? {
        guard var reader = field.object() else { return nil }
        let clusterField = reader.field("cluster")
        let cluster = clusterField?.name()
        let weightedField = reader.field("weighted_clusters")
        let weighted = weightedField.flatMap(WeightedClusterConfig.decodeList)
        let timeout = reader.field("timeout")?.durationSetting()
        let idle = reader.field("idle_timeout")?.durationSetting()
        let prefixRewrite = reader.field("prefix_rewrite")?.string()
        let hostRewrite = reader.field("host_rewrite_literal")?.string()
        let maxStream = reader.field("max_stream_duration").flatMap(MaxStreamDurationConfig.decode)
        let elsewhere = ["cluster_header", "cluster_specifier_plugin", "inline_cluster_specifier_plugin"]
            .contains { reader.has($0) }
        reader.finish(envoyFields: envoyFields)
        var clusters: [WeightedClusterConfig] = []
        switch (clusterField, weightedField) {
        case (let clusterField?, nil):
            guard let cluster else { return nil }
            clusters = [WeightedClusterConfig(name: cluster, nameOrigin: clusterField.origin)]
        case (nil, _?):
            guard let weighted else { return nil }
            clusters = weighted
        case (_?, let weightedField?):
            weightedField.error("give only one of cluster and weighted_clusters")
            return nil
        case (nil, nil):
            if !elsewhere { field.error("a route needs a cluster or weighted_clusters") }
            return nil
        }
        for entry in clusters {
            field.sink.clusterReferences.append((entry.name, entry.nameOrigin))
        }
        var forward = ForwardConfig(clusters: clusters)
        forward.timeout = timeout
        forward.idleTimeout = idle
        forward.prefixRewrite = prefixRewrite
        forward.hostRewriteLiteral = hostRewrite.flatMap { $0.isEmpty ? nil : $0 }
        forward.maxStreamDuration = maxStream
        return forward
    }
}

extension WeightedClusterConfig {
    /// `weighted_clusters`: its `clusters`, whose weights must add up to more than 0.
    static func decodeList(_ field: FieldValue) -> [WeightedClusterConfig]? {
        guard var reader = field.object() else { return nil }
        let listField = reader.field("clusters")
        let clusters = listField?.list(decode) ?? []
        reader.finish(envoyFields: ["total_weight", "runtime_key_prefix", "header_name", "random_value_specifier"])
        guard let listField, let count = listField.tree.elements?.count, count > 0 else {
            (listField ?? field).error("weighted_clusters needs at least one cluster")
            return nil
        }
        guard clusters.count == count else { return nil }
        if clusters.reduce(0, { $0 + $1.weight }) == 0 {
            listField.error("the weights of weighted_clusters add up to 0; Envoy needs a sum greater than 0")
            return nil
        }
        return clusters
    }

    static func decode(_ field: FieldValue) -> WeightedClusterConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        let weightField = reader.field("weight")
        let weight = weightField?.integer(in: 0...Int64(UInt32.max))
        let headers = HeaderMutationConfig.decode(&reader)
        let elsewhere = reader.has("cluster_header")
        reader.finish(envoyFields: [
            "cluster_header", "metadata_match", "typed_per_filter_config", "host_rewrite_literal",
        ])
        if nameField == nil && !elsewhere { field.error("a weighted cluster needs a name") }
        // Envoy 1.40: "Field 'weight' is missing".
        if weightField == nil { field.error("a weighted cluster needs a weight") }
        guard let name, let nameField, let weight else { return nil }
        return WeightedClusterConfig(
            name: name,
            weight: Int(weight),
            headers: headers,
            nameOrigin: nameField.origin
        )
    }
}

extension MaxStreamDurationConfig {
    static func decode(_ field: FieldValue) -> MaxStreamDurationConfig? {
        guard var reader = field.object() else { return nil }
        var config = MaxStreamDurationConfig(origin: field.origin)
        config.maxStreamDuration = reader.field("max_stream_duration")?.durationSetting()
        config.grpcTimeoutHeaderMax = reader.field("grpc_timeout_header_max")?.durationSetting()
        config.grpcTimeoutHeaderOffset = reader.field("grpc_timeout_header_offset")?.durationSetting()
        reader.finish()
        return config
    }
}

extension DirectResponseConfig {
    static func decode(_ field: FieldValue) -> DirectResponseConfig? {
        guard var reader = field.object() else { return nil }
        let statusField = reader.field("status")
        let status = statusField?.integer(in: 200...599)
        let bodyField = reader.field("body")
        let body = bodyField.flatMap(DataSourceConfig.decode)
        reader.finish(envoyFields: ["body_format"])
        if statusField == nil { field.error("a direct_response needs a status") }
        if let body, let bodyField {
            let size: Int? =
                switch body.source {
                case .inlineString(let text): text.utf8.count
                case .inlineBytes(let bytes): bytes.count
                case .filename: nil
                }
            if let size, size > RouteConfigurationConfig.maxDirectResponseBodyBytes {
                bodyField.error(
                    "the body is \(size) bytes; Envoy's maximum is \(RouteConfigurationConfig.maxDirectResponseBodyBytes)"
                )
                return nil
            }
        }
        guard let status, bodyField == nil || body != nil else { return nil }
        return DirectResponseConfig(status: Int(status), body: body)
    }
}

extension RedirectConfig {
    static func decode(_ field: FieldValue) -> RedirectConfig? {
        guard var reader = field.object() else { return nil }
        let httpsField = reader.field("https_redirect")
        let https = httpsField?.bool()
        let schemeField = reader.field("scheme_redirect")
        let scheme = schemeField?.string()
        let host = reader.field("host_redirect")?.string()
        let port = reader.field("port_redirect")?.integer(in: 0...Int64(UInt32.max))
        let pathField = reader.field("path_redirect")
        let path = pathField?.string()
        let prefixField = reader.field("prefix_rewrite")
        let prefix = prefixField?.string()
        let code = reader.field("response_code")?.enumeration("response_code", responseCodes)
        let strip = reader.field("strip_query")?.bool()
        reader.finish(envoyFields: ["regex_rewrite", "path_rewrite_policy"])
        if httpsField != nil, let schemeField {
            schemeField.error("give only one of https_redirect and scheme_redirect")
            return nil
        }
        if pathField != nil, let prefixField {
            prefixField.error("give only one of path_redirect and prefix_rewrite")
            return nil
        }
        return RedirectConfig(
            scheme: https == true ? "https" : scheme.flatMap { $0.isEmpty ? nil : $0 },
            host: host.flatMap { $0.isEmpty ? nil : $0 },
            port: port.flatMap { $0 == 0 ? nil : Int($0) },
            path: path.flatMap { $0.isEmpty ? nil : $0 },
            prefixRewrite: prefix,
            responseCode: statusCodes[code ?? 0],
            stripQuery: strip ?? false
        )
    }
}
