public import LifelineConfig
import LifelineSocket

extension GatewayPlan {
    /// The plan as a tree, for `lifeline check` (YAML or JSON): listeners with their socket options grouped by
    /// state and named, clusters with their endpoints, and, when there are any, the EnvoyFilters (or patches) that
    /// do not apply to this gateway, one line each with the reason (`istio-system/foo: not selected: …`).
    public func summary(eventLoops: Int, envoyFiltersNotSelected: [String] = []) -> ConfigTree {
        .object([
            ("admin", admin.map { .object([("address", .string($0.address.description))]) }),
            (
                "max_downstream_connections",
                .object([
                    (
                        "value",
                        maxDownstreamConnections.maxConnections == ConnectionLimitPlan.unlimited
                            ? .string("unlimited") : .number(maxDownstreamConnections.maxConnections)
                    ),
                    ("source", .string(maxDownstreamConnections.source)),
                ])
            ),
            ("listeners", .array(listeners.map { $0.summary(eventLoops: eventLoops) })),
            ("clusters", .array(clusters.map(\.summary))),
            (
                "envoy_filters_not_selected",
                envoyFiltersNotSelected.isEmpty ? nil : .array(envoyFiltersNotSelected.map { .string($0) })
            ),
        ])
    }
}

extension ListenerPlan {
    func summary(eventLoops: Int) -> ConfigTree {
        var byState: [(String, ConfigTree?)] = []
        for state in SocketState.allCases {
            let options = socketOptions.filter { $0.option.state == state }
            guard !options.isEmpty else { continue }
            byState.append((state.protoName, .array(options.map(\.summary))))
        }
        let sockets = reusePort ? eventLoops : 1
        return .object([
            ("name", .string(name)),
            ("address", .string(address.description)),
            ("stat_prefix", statPrefix.map { .string($0) }),
            ("listening_sockets", .number(sockets)),
            ("reuse_port", .bool(reusePort)),
            ("per_connection_buffer_limit_bytes", .number(bufferLimitBytes)),
            ("tcp_backlog_size", .number(backlog)),
            ("socket_options", .object(byState)),
            ("tcp_proxy", (filterChains.first ?? defaultFilterChain)?.tcpProxy?.summary),
            (
                "listener_filters",
                listenerFilters.isEmpty ? nil : .array(listenerFilters.names.map { .string($0) })
            ),
            ("proxy_protocol", listenerFilters.proxyProtocol?.summary),
            (
                "listener_filters_timeout",
                listenerFilters.isEmpty
                    ? nil : .string(listenerFilters.timeout.map(ProtoDuration.format) ?? "disabled")
            ),
            (
                "continue_on_listener_filters_timeout",
                listenerFilters.isEmpty ? nil : .bool(listenerFilters.continueOnTimeout)
            ),
            ("filter_chains", .array(filterChains.map(\.summary))),
            ("default_filter_chain", defaultFilterChain.map(\.summary)),
        ])
    }
}

extension ProxyProtocolConfig {
    var summary: ConfigTree {
        .object([
            ("allow_requests_without_proxy_protocol", .bool(allowRequestsWithoutProxyProtocol)),
            ("stats", .string(statPrefix.map { "proxy_proto.\($0)." } ?? "proxy_proto.")),
            (
                "disallowed_versions",
                disallowedVersions.isEmpty ? nil : .array(disallowedVersions.map { .string($0.rawValue) })
            ),
            (
                "rules",
                rules.isEmpty
                    ? nil
                    : .array(
                        rules.map { rule in
                            let namespace = rule.metadataNamespace.isEmpty ? Self.name : rule.metadataNamespace
                            let hex = String(rule.tlvType, radix: 16, uppercase: true)
                            return .string("TLV 0x\(hex) kept as \(rule.key.map { "\(namespace).\($0)" } ?? "-")")
                        }
                    )
            ),
        ])
    }
}

extension TcpProxyPlan {
    var summary: ConfigTree {
        .object([
            ("stat_prefix", .string(statPrefix)),
            ("cluster", .string(cluster)),
            ("idle_timeout", .string(idleTimeout.map(ProtoDuration.format) ?? "disabled")),
        ])
    }
}

extension FilterChainPlan {
    /// The chain's name, the match conditions it sets, how its bytes are carried, and its network filter.
    var summary: ConfigTree {
        .object([
            ("name", .string(name)),
            ("filter_chain_match", match.summary),
            ("transport_socket", tls.map { .object([("tls", $0.summary)]) } ?? .string("raw_buffer")),
            ("connection_limit", connectionLimits.isEmpty ? nil : .array(connectionLimits.map(\.summary))),
            ("tcp_proxy", tcpProxy?.summary),
            ("http_connection_manager", httpConnectionManager?.summary),
        ])
    }
}

extension ConnectionLimitFilterPlan {
    var summary: ConfigTree {
        .object([
            ("stat_prefix", .string(statPrefix)),
            ("max_connections", .number(maxConnections)),
            ("delay", .string(delay.map(ProtoDuration.format) ?? "none: closed at once")),
            ("enabled", .bool(enabled)),
        ])
    }
}

extension FilterChainMatchPlan {
    /// The fields that are set; nil when the match places no condition.
    var summary: ConfigTree? {
        func strings(_ values: [String]) -> ConfigTree? { values.isEmpty ? nil : .array(values.map { .string($0) }) }
        func ranges(_ values: [CIDRRange]) -> ConfigTree? { strings(values.map(\.description)) }
        let fields: [(String, ConfigTree?)] = [
            ("destination_port", destinationPort.map { .number($0) }),
            ("prefix_ranges", ranges(prefixRanges)),
            ("server_names", strings(serverNames)),
            ("transport_protocol", transportProtocol.map { .string($0) }),
            ("application_protocols", strings(applicationProtocols)),
            ("direct_source_prefix_ranges", ranges(directSourcePrefixRanges)),
            ("source_type", sourceType == .any ? nil : .string(sourceType.protoName)),
            ("source_prefix_ranges", ranges(sourcePrefixRanges)),
            ("source_ports", sourcePorts.isEmpty ? nil : .array(sourcePorts.map { .number($0) })),
        ]
        return fields.contains { $0.1 != nil } ? .object(fields) : nil
    }
}

extension FilterChainMatchPlan.SourceType {
    /// `SAME_IP_OR_LOOPBACK`, as the config spells it.
    public var protoName: String {
        switch self {
        case .any: "ANY"
        case .sameIPOrLoopback: "SAME_IP_OR_LOOPBACK"
        case .external: "EXTERNAL"
        }
    }
}

extension DownstreamTlsPlan {
    /// Where each certificate and key come from (never the key itself), the versions, ALPN and client checks.
    var summary: ConfigTree {
        .object(
            [("certificates", .array(certificates.map(\.summary)))] + common.summaryFields
                + [("require_client_certificate", .bool(requireClientCertificate))]
        )
    }
}

extension UpstreamTlsPlan {
    var summary: ConfigTree {
        .object(
            [
                ("sni", serverName.map { .string($0) }),
                ("client_certificate", clientCertificate?.summary),
            ] + common.summaryFields
        )
    }
}

extension CertificatePlan {
    /// Sources only: a private key's text is never printed.
    var summary: ConfigTree {
        .object([
            ("certificate_chain", .string(certificateChain.source)),
            ("private_key", .string(privateKey.source)),
        ])
    }
}

extension CommonTlsPlan {
    var summaryFields: [(String, ConfigTree?)] {
        func strings(_ values: [String]) -> ConfigTree? { values.isEmpty ? nil : .array(values.map { .string($0) }) }
        return [
            ("min_version", .string(minimumVersion.protoName)),
            ("max_version", .string(maximumVersion.protoName)),
            ("cipher_suites", strings(cipherSuites)),
            ("ecdh_curves", strings(ecdhCurves)),
            ("alpn_protocols", strings(alpnProtocols)),
            ("trusted_ca", trustedCA.map { .string($0.source) }),
            ("match_subject_alt_names", strings(matchSubjectAltNames.map(\.description))),
        ]
    }
}

extension SubjectAltNameMatch: CustomStringConvertible {
    /// `DNS exact api.example.com`.
    public var description: String {
        let (how, text): (String, String) =
            switch matcher {
            case .exact(let text): ("exact", text)
            case .prefix(let text): ("prefix", text)
            case .suffix(let text): ("suffix", text)
            case .contains(let text): ("contains", text)
            }
        return "\(kind.rawValue) \(how) \(text)"
    }
}

extension PlannedSocketOption {
    var summary: ConfigTree {
        let value: ConfigTree
        switch option.value {
        case .int(let number): value = .number(number)
        case .bytes(let bytes): value = .string(bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        }
        let valueKey: String
        if case .bytes = option.value { valueKey = "buf_value_hex" } else { valueKey = "int_value" }
        return .object([
            ("option", .string(option.displayName)),
            ("level", .number(option.level)),
            ("name", .number(option.name)),
            (valueKey, value),
            ("written", written.map { .string("\($0) → \(option.displayName)") }),
            ("description", description.map { .string($0) }),
            ("source", .string(source)),
            ("kept", kept.map { .bool($0) }),
            ("overrides", overrides.isEmpty ? nil : .array(overrides.map { .string($0) })),
            ("replaced_by", replacedBy.map { .string($0) }),
        ])
    }
}

extension ClusterPlan {
    var summary: ConfigTree {
        .object([
            ("name", .string(name)),
            ("type", .string(type.protoName)),
            ("lb_policy", .string(lbPolicy.protoName)),
            ("connect_timeout", .string(ProtoDuration.format(connectTimeout))),
            ("per_connection_buffer_limit_bytes", .number(bufferLimitBytes)),
            ("endpoints", .array(endpoints.map { .string($0.description) })),
            ("upstream_socket_options", .array(upstreamSocketOptions.map(\.summary))),
            ("tls", tls?.summary),
            ("http", http.summary),
        ])
    }
}
