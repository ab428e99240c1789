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
