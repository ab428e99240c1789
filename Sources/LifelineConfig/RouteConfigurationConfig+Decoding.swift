extension RouteConfigurationConfig {
    static let envoyFields: Set<String> = [
        "vhds", "internal_only_headers", "validate_clusters", "max_direct_response_body_size_bytes",
        "cluster_specifier_plugins", "request_mirror_policies",
        "ignore_path_parameters_in_path_matching", "typed_per_filter_config", "metadata",
    ]

    static func decode(_ field: FieldValue) -> RouteConfigurationConfig? {
        guard var reader = field.object() else { return nil }
        let name = reader.field("name")?.string()
        let hostsField = reader.field("virtual_hosts")
        let hosts = hostsField?.list(VirtualHostConfig.decode) ?? []
        let headers = HeaderMutationConfig.decode(&reader)
        let mostSpecific = reader.field("most_specific_header_mutations_wins")?.bool()
        let ignorePort = reader.field("ignore_port_in_host_matching")?.bool()
        reader.finish(envoyFields: envoyFields)
        checkDomains(hosts, routeConfigName: name ?? "", sink: field.sink)
        var config = RouteConfigurationConfig(
            name: name.flatMap { $0.isEmpty ? nil : $0 },
            virtualHosts: hosts,
            headers: headers,
            mostSpecificHeaderMutationsWins: mostSpecific ?? false,
            origin: field.origin
        )
        config.ignorePortInHostMatching = ignorePort ?? false
        return config
    }

    /// Envoy's rules for `domains` across one route configuration: each domain once (compared lower-cased), `*` in
    /// one virtual host only. A `*` elsewhere than alone at the start or the end is no wildcard to Envoy, which then
    /// compares it as a literal character; that is accepted, with a warning.
    private static func checkDomains(_ hosts: [VirtualHostConfig], routeConfigName: String, sink: DiagnosticSink) {
        var seen: [String: ConfigOrigin] = [:]
        for host in hosts {
            for (domain, origin) in zip(host.domains, host.domainOrigins) {
                if let first = seen[domain] {
                    if domain == "*" {
                        sink.error(
                            origin,
                            "only one virtual host may list the domain \"*\" (first at \(first.path)); Envoy: "
                                + "\"Only a single wildcard domain is permitted in route \(routeConfigName)\""
                        )
                    } else {
                        sink.error(
                            origin,
                            "domain \(JSONText.quote(domain)) is listed twice (first at \(first.path)); Envoy "
                                + "permits only unique domains in a route configuration"
                        )
                    }
                    continue
                }
                seen[domain] = origin
                let inner = domain.dropFirst().dropLast()
                if domain.count > 1 && (inner.contains("*") || (domain.hasPrefix("*") && domain.hasSuffix("*"))) {
                    sink.warning(
                        origin,
                        "Envoy treats only one \"*\", alone at the start or the end of a domain, as a wildcard; "
                            + "any other \"*\" in \(JSONText.quote(domain)) must appear literally in the Host"
                    )
                }
            }
        }
    }
}

extension VirtualHostConfig {
    static let envoyFields: Set<String> = [
        "matcher", "require_tls", "virtual_clusters", "rate_limits", "cors", "typed_per_filter_config",
        "include_request_attempt_count", "include_attempt_count_in_response", "retry_policy",
        "retry_policy_typed_config", "hedge_policy", "include_is_timeout_retry_header",
        "per_request_buffer_limit_bytes",
        "request_body_buffer_limit", "request_mirror_policies", "metadata",
    ]

    static func decode(_ field: FieldValue) -> VirtualHostConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        let domainsField = reader.field("domains")
        var domains: [String] = []
        var domainOrigins: [ConfigOrigin] = []
        for entry in domainsField?.array() ?? [] {
            guard let domain = entry.name() else { continue }
            domains.append(ProtoJSONDialect.asciiLowercased(domain))
            domainOrigins.append(entry.origin)
        }
        let routes = reader.field("routes")?.list(RouteConfig.decode) ?? []
        let headers = HeaderMutationConfig.decode(&reader)
        reader.finish(envoyFields: envoyFields)
        if nameField == nil { field.error("a virtual host needs a name") }
        if (domainsField?.tree.elements?.count ?? 0) == 0 {
            (domainsField ?? field).error("a virtual host needs domains, e.g. [\"*\"] for every Host")
        }
        guard let name else { return nil }
        var host = VirtualHostConfig(
            name: name,
            domains: domains,
            routes: routes,
            headers: headers,
            origin: field.origin
        )
        host.domainOrigins = domainOrigins
        return host
    }
}

extension RouteConfig {
    static let envoyFields: Set<String> = [
        "filter_action", "non_forwarding_action", "metadata", "decorator", "typed_per_filter_config", "tracing",
        "per_request_buffer_limit_bytes", "stat_prefix", "request_body_buffer_limit",
    ]

    static func decode(_ field: FieldValue) -> RouteConfig? {
        guard var reader = field.object() else { return nil }
        let name = reader.field("name")?.string()
        let matchField = reader.field("match")
        let match = matchField.flatMap(RouteMatchConfig.decode)
        let forwardField = reader.field("route")
        let redirectField = reader.field("redirect")
        let directField = reader.field("direct_response")
        let forward = forwardField.flatMap(ForwardConfig.decode)
        let redirect = redirectField.flatMap(RedirectConfig.decode)
        let direct = directField.flatMap(DirectResponseConfig.decode)
        let headers = HeaderMutationConfig.decode(&reader)
        reader.finish(envoyFields: envoyFields)
        if matchField == nil { field.error("a route needs a match") }
        let written = [forwardField, redirectField, directField].compactMap { $0 }
        if written.isEmpty && !reader.has("filter_action") && !reader.has("non_forwarding_action") {
            field.error("a route needs one of route, redirect and direct_response")
        } else if written.count > 1 {
            written[1].error("give only one of route, redirect and direct_response")
        }
        guard let match else { return nil }
        let action: Action
        if let forward {
            action = .forward(forward)
        } else if let redirect {
            action = .redirect(redirect)
        } else if let direct {
            action = .directResponse(direct)
        } else {
            return nil
        }
        return RouteConfig(
            name: name.flatMap { $0.isEmpty ? nil : $0 },
            match: match,
            action: action,
            headers: headers,
            origin: field.origin
        )
    }
}

extension RouteMatchConfig {
    static let envoyFields: Set<String> = [
        "connect_matcher", "path_separated_prefix", "path_match_policy", "runtime_fraction", "query_parameters",
        "tls_context", "dynamic_metadata", "filter_state", "cookies",
    ]

    static func decode(_ field: FieldValue) -> RouteMatchConfig? {
        guard var reader = field.object() else { return nil }
        var specifiers: [(FieldValue, Path?)] = []
        if let prefix = reader.field("prefix") { specifiers.append((prefix, prefix.string().map(Path.prefix))) }
        if let path = reader.field("path") { specifiers.append((path, path.string().map(Path.path))) }
        if let regex = reader.field("safe_regex") { specifiers.append((regex, regex.regexMatcher().map(Path.regex))) }
        let caseSensitive = reader.field("case_sensitive")?.bool()
        let headers = reader.field("headers")?.list(HeaderMatcherConfig.decode) ?? []
        var grpc = false
        if let grpcField = reader.field("grpc"), let grpcReader = grpcField.object() {
            grpcReader.finish()
            grpc = true
        }
        let elsewhere = ["connect_matcher", "path_separated_prefix", "path_match_policy"].contains { reader.has($0) }
        reader.finish(envoyFields: envoyFields)
        if specifiers.isEmpty {
            if !elsewhere { field.error("a route match needs one of prefix, path and safe_regex") }
            return nil
        }
        if specifiers.count > 1 {
            specifiers[1].0.error("give only one of prefix, path and safe_regex")
            return nil
        }
        guard let path = specifiers[0].1 else { return nil }
        return RouteMatchConfig(path: path, caseSensitive: caseSensitive, headers: headers, grpc: grpc)
    }
}

extension HeaderMatcherConfig {
    static func decode(_ field: FieldValue) -> HeaderMatcherConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        var matches: [(FieldValue, Match?)] = []
        func take(_ key: String, _ read: (FieldValue) -> Match?) {
            if let value = reader.field(key) { matches.append((value, read(value))) }
        }
        take("exact_match") { $0.string().map(Match.exact) }
        take("prefix_match") { $0.name().map(Match.prefix) }
        take("suffix_match") { $0.name().map(Match.suffix) }
        take("contains_match") { $0.name().map(Match.contains) }
        take("safe_regex_match") { $0.regexMatcher().map(Match.regex) }
        take("present_match") { $0.bool().map(Match.present) }
        var ignoreCase = false
        take("string_match") { value in
            let decoded = value.stringMatcher()
            ignoreCase = decoded?.ignoreCase ?? false
            return decoded?.match
        }
        let invert = reader.field("invert_match")?.bool() ?? false
        let elsewhere = reader.has("range_match")
        reader.finish(envoyFields: ["range_match", "treat_missing_header_as_empty"])
        if nameField == nil { field.error("a header matcher needs a name") }
        if matches.count > 1 {
            matches[1].0.error("give only one way to match the header")
            return nil
        }
        guard let name, !elsewhere else { return nil }
        // No match specifier: Envoy matches when the header is present.
        guard let match = matches.first.map({ $0.1 }) ?? .present(true) else { return nil }
        return HeaderMatcherConfig(
            name: ProtoJSONDialect.asciiLowercased(name),
            match: match,
            invert: invert,
            ignoreCase: ignoreCase
        )
    }
}

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

extension FieldValue {
    /// `envoy.type.matcher.v3.RegexMatcher`: its `regex`, which must compile.
    func regexMatcher() -> String? {
        guard var reader = object() else { return nil }
        let regexField = reader.field("regex")
        let pattern = regexField?.name()
        reader.finish(envoyFields: ["google_re2"])
        guard let regexField else {
            error("a regex matcher needs a regex")
            return nil
        }
        guard let pattern else { return nil }
        do {
            _ = try Regex(pattern)
        } catch {
            regexField.error("invalid regex \(JSONText.quote(pattern)): \(error)")
            return nil
        }
        return pattern
    }

    /// `envoy.type.matcher.v3.StringMatcher`.
    func stringMatcher() -> (match: HeaderMatcherConfig.Match, ignoreCase: Bool)? {
        guard var reader = object() else { return nil }
        var matches: [(FieldValue, HeaderMatcherConfig.Match?)] = []
        if let value = reader.field("exact") { matches.append((value, value.string().map { .exact($0) })) }
        if let value = reader.field("prefix") { matches.append((value, value.name().map { .prefix($0) })) }
        if let value = reader.field("suffix") { matches.append((value, value.name().map { .suffix($0) })) }
        if let value = reader.field("contains") { matches.append((value, value.name().map { .contains($0) })) }
        if let value = reader.field("safe_regex") { matches.append((value, value.regexMatcher().map { .regex($0) })) }
        let ignoreCase = reader.field("ignore_case")?.bool() ?? false
        let elsewhere = reader.has("custom")
        reader.finish(envoyFields: ["custom"])
        guard !elsewhere else { return nil }
        guard matches.count == 1 else {
            if matches.isEmpty {
                error("a string matcher needs one of exact, prefix, suffix, contains and safe_regex")
            } else {
                matches[1].0.error("give only one of exact, prefix, suffix, contains and safe_regex")
            }
            return nil
        }
        return matches[0].1.map { ($0, ignoreCase) }
    }
}
