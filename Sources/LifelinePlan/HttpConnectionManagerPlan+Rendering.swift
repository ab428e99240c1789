import LifelineConfig

extension HttpConnectionManagerPlan {
    /// For `check`: the codec, every timeout with where its value came from (`default`, or the path it is written
    /// at), the HTTP/2 options and the routes.
    var summary: ConfigTree {
        func traced(_ value: Duration?, _ field: Field) -> ConfigTree {
            Self.traced(value.map(ProtoDuration.format) ?? "disabled", fieldOrigins[field]?.path)
        }
        return .object([
            ("stat_prefix", .string(statPrefix)),
            ("codec_type", Self.traced(codecType.protoName, fieldOrigins[.codecType].map { $0.path + ".codec_type" })),
            ("stream_idle_timeout", traced(streamIdleTimeout, .streamIdleTimeout)),
            ("request_timeout", traced(requestTimeout, .requestTimeout)),
            ("request_headers_timeout", traced(requestHeadersTimeout, .requestHeadersTimeout)),
            ("idle_timeout", traced(idleTimeout, .idleTimeout)),
            ("max_connection_duration", traced(maxConnectionDuration, .maxConnectionDuration)),
            ("max_stream_duration", traced(maxStreamDuration, .maxStreamDuration)),
            (
                "max_requests_per_connection",
                Self.traced(
                    maxRequestsPerConnection.map(String.init) ?? "unlimited",
                    fieldOrigins[.maxRequestsPerConnection].map { $0.path + ".max_requests_per_connection" }
                )
            ),
            (
                "max_request_headers_kb",
                Self.traced(
                    String(maxRequestHeadersKb),
                    fieldOrigins[.maxRequestHeadersKb].map { $0.path + ".max_request_headers_kb" }
                )
            ),
            ("headers_with_underscores_action", .string(headersWithUnderscoresAction.protoName)),
            ("use_remote_address", .bool(useRemoteAddress)),
            ("xff_num_trusted_hops", xffNumTrustedHops == 0 ? nil : .number(xffNumTrustedHops)),
            ("http2_protocol_options", http2.summary),
            ("route_config", routeConfig.summary),
        ])
    }

    /// `{ value: 300s, source: default }`.
    static func traced(_ value: String, _ path: String?) -> ConfigTree {
        .object([("value", .string(value)), ("source", .string(path ?? "default"))])
    }
}

extension HttpConnectionManagerPlan.CodecType {
    /// `AUTO`, as the config spells it.
    public var protoName: String {
        switch self {
        case .auto: "AUTO"
        case .http1: "HTTP1"
        case .http2: "HTTP2"
        }
    }
}

extension HttpConnectionManagerPlan.HeadersWithUnderscoresAction {
    public var protoName: String {
        switch self {
        case .allow: "ALLOW"
        case .rejectRequest: "REJECT_REQUEST"
        case .dropHeader: "DROP_HEADER"
        }
    }
}

extension Http2ProtocolOptionsPlan {
    var summary: ConfigTree {
        .object([
            ("source", .string(origin?.path ?? "default")),
            ("max_concurrent_streams", .number(maxConcurrentStreams)),
            ("initial_stream_window_size", .number(initialStreamWindowSize)),
            ("initial_connection_window_size", .number(initialConnectionWindowSize)),
            ("connection_keepalive", keepalive?.summary ?? .string("none")),
            ("max_outbound_control_frames", .number(maxOutboundControlFrames)),
            (
                "max_consecutive_inbound_frames_with_empty_payload",
                .number(maxConsecutiveInboundFramesWithEmptyPayload)
            ),
        ])
    }
}

extension Http2KeepalivePlan {
    var summary: ConfigTree {
        .object([
            ("interval", .string(interval.map(ProtoDuration.format) ?? "none")),
            ("timeout", .string(ProtoDuration.format(timeout))),
            ("interval_jitter_percent", ConfigTree(.number("\(intervalJitterPercent)"))),
            ("connection_idle_interval", connectionIdleInterval.map { .string(ProtoDuration.format($0)) }),
            ("source", origin.map { .string($0.path) }),
        ])
    }
}

extension RouteConfigurationPlan {
    var summary: ConfigTree {
        .object([
            ("name", name.map { .string($0) }),
            ("virtual_hosts", .array(virtualHosts.map(\.summary))),
            ("headers", headers.summary),
            ("most_specific_header_mutations_wins", mostSpecificHeaderMutationsWins ? .bool(true) : nil),
            ("ignore_port_in_host_matching", ignorePortInHostMatching ? .bool(true) : nil),
        ])
    }
}

extension VirtualHostPlan {
    var summary: ConfigTree {
        .object([
            ("name", .string(name)),
            ("domains", .array(domains.map { .string($0) })),
            ("routes", .array(routes.map(\.summary))),
            ("headers", headers.summary),
        ])
    }
}

extension RoutePlan {
    var summary: ConfigTree {
        var fields: [(String, ConfigTree?)] = [
            ("name", name.map { .string($0) }),
            ("match", .string(match.description)),
        ]
        switch action {
        case .forward(let forward):
            let clusters: ConfigTree =
                forward.clusters.count == 1 && forward.clusters[0].headers.isEmpty
                ? .string(forward.clusters[0].cluster)
                : .array(
                    forward.clusters.map {
                        .object([
                            ("name", .string($0.cluster)), ("weight", .number($0.weight)),
                            ("headers", $0.headers.summary),
                        ])
                    }
                )
            fields.append(("cluster", clusters))
            fields.append(
                (
                    "timeout",
                    HttpConnectionManagerPlan.traced(
                        forward.timeout.map(ProtoDuration.format) ?? "disabled",
                        forward.timeoutOrigin?.path
                    )
                )
            )
            if let idle = forward.idleTimeout {
                fields.append(
                    (
                        "idle_timeout",
                        HttpConnectionManagerPlan.traced(
                            idle.map(ProtoDuration.format) ?? "disabled",
                            origin.path + ".route.idle_timeout"
                        )
                    )
                )
            }
            fields.append(("prefix_rewrite", forward.prefixRewrite.map { .string($0) }))
            fields.append(("host_rewrite_literal", forward.hostRewriteLiteral.map { .string($0) }))
            if let limits = forward.maxStreamDuration {
                fields.append(
                    (
                        "max_stream_duration",
                        .object([
                            ("max_stream_duration", limits.maxStreamDuration.map { .string(ProtoDuration.format($0)) }),
                            (
                                "grpc_timeout_header_max",
                                limits.grpcTimeoutHeaderMax.map { .string(ProtoDuration.format($0)) }
                            ),
                            (
                                "grpc_timeout_header_offset",
                                limits.grpcTimeoutHeaderOffset.map { .string(ProtoDuration.format($0)) }
                            ),
                        ])
                    )
                )
            }
        case .directResponse(let direct):
            fields.append(
                (
                    "direct_response",
                    .object([
                        ("status", .number(direct.status)),
                        ("body_bytes", direct.body.map { .number($0.count) }),
                    ])
                )
            )
        case .redirect(let redirect):
            fields.append(("redirect", .string(redirect.description)))
        }
        fields.append(("headers", headers.summary))
        return .object(fields)
    }
}

extension RouteMatchPlan: CustomStringConvertible {
    /// `prefix /api, grpc, header x-env exact "prod"`.
    public var description: String {
        var parts: [String] =
            switch path {
            case .prefix(let text): ["prefix \(text)"]
            case .path(let text): ["path \(text)"]
            case .regex(let text): ["safe_regex \(text)"]
            }
        if !caseSensitive { parts.append("case-insensitive") }
        if grpc { parts.append("grpc") }
        parts += headers.map(\.description)
        return parts.joined(separator: ", ")
    }
}

extension HeaderMatcherPlan: CustomStringConvertible {
    /// `header x-env exact "prod"`, `header x-debug absent`, `header x-env not prefix "dev"`.
    public var description: String {
        let test: String =
            switch match {
            case .exact(let text): "exact \(JSONText.quote(text))"
            case .prefix(let text): "prefix \(JSONText.quote(text))"
            case .suffix(let text): "suffix \(JSONText.quote(text))"
            case .contains(let text): "contains \(JSONText.quote(text))"
            case .regex(let text): "safe_regex \(JSONText.quote(text))"
            case .present(let flag): flag ? "present" : "absent"
            }
        return "header \(name) \(invert ? "not " : "")\(test)\(ignoreCase ? " ignoring case" : "")"
    }
}

extension RedirectPlan: CustomStringConvertible {
    /// `302 to https://…:8443/path`: the parts the redirect replaces, the rest kept from the request.
    public var description: String {
        var parts = ["\(responseCode)"]
        if let scheme { parts.append("scheme \(scheme)") }
        if let host { parts.append("host \(host)") }
        if let port { parts.append("port \(port)") }
        if let path { parts.append("path \(path)") }
        if let prefixRewrite { parts.append("prefix_rewrite \(prefixRewrite)") }
        if stripQuery { parts.append("strip_query") }
        return parts.joined(separator: ", ")
    }
}

extension HeaderMutationPlan {
    /// Nil when nothing is added or removed.
    var summary: ConfigTree? {
        guard !isEmpty else { return nil }
        func added(_ options: [HeaderValueOptionPlan]) -> ConfigTree? {
            options.isEmpty
                ? nil
                : .array(options.map { .string("\($0.name): \($0.value) (\($0.appendAction.protoName))") })
        }
        func removed(_ names: [String]) -> ConfigTree? { names.isEmpty ? nil : .array(names.map { .string($0) }) }
        return .object([
            ("request_headers_to_add", added(requestHeadersToAdd)),
            ("request_headers_to_remove", removed(requestHeadersToRemove)),
            ("response_headers_to_add", added(responseHeadersToAdd)),
            ("response_headers_to_remove", removed(responseHeadersToRemove)),
        ])
    }
}

extension HeaderValueOptionPlan.AppendAction {
    public var protoName: String {
        switch self {
        case .appendIfExistsOrAdd: "APPEND_IF_EXISTS_OR_ADD"
        case .addIfAbsent: "ADD_IF_ABSENT"
        case .overwriteIfExistsOrAdd: "OVERWRITE_IF_EXISTS_OR_ADD"
        case .overwriteIfExists: "OVERWRITE_IF_EXISTS"
        }
    }
}

extension UpstreamHttpPlan {
    /// Nil when the cluster's config says nothing of HTTP (HTTP/1.1 with Envoy's defaults).
    var summary: ConfigTree? {
        guard let origin else { return nil }
        return .object([
            ("source", .string(origin.path)),
            ("protocol", .string(http2 == nil ? "HTTP/1.1" : "HTTP/2")),
            ("idle_timeout", .string(idleTimeout.map(ProtoDuration.format) ?? "disabled")),
            ("max_requests_per_connection", maxRequestsPerConnection.map { .number($0) }),
            ("http2_protocol_options", http2?.summary),
        ])
    }
}
