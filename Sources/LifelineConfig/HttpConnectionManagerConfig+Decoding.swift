extension HttpConnectionManagerConfig {
    static let envoyFields: Set<String> = [
        "rds", "scoped_routes", "add_user_agent", "tracing", "http1_safe_max_connection_duration",
        "http3_protocol_options", "server_name", "server_header_transformation", "scheme_header_transformation",
        "stream_flush_timeout", "drain_timeout", "delayed_close_timeout", "access_log", "access_log_flush_interval",
        "flush_access_log_on_new_request", "access_log_options", "original_ip_detection_extensions",
        "early_header_mutation_extensions", "internal_address_config", "skip_xff_append", "via", "generate_request_id",
        "preserve_external_request_id", "always_set_request_id_in_response", "forward_client_cert_details",
        "set_current_client_cert_details", "proxy_100_continue", "represent_ipv4_remote_address_as_ipv4_mapped_ipv6",
        "upgrade_configs", "normalize_path", "merge_slashes", "path_with_escaped_slashes_action",
        "request_id_extension",
        "local_reply_config", "strip_matching_host_port", "strip_any_host_port", "stream_error_on_invalid_http_message",
        "strip_trailing_host_dot", "proxy_status_config", "typed_header_validation_config", "append_x_forwarded_port",
        "append_local_overload", "add_proxy_protocol_connection_state",
    ]

    static func decode(_ field: FieldValue) -> HttpConnectionManagerConfig? {
        guard var reader = field.object() else { return nil }
        // The filter was picked by this @type (see NetworkFilterConfig.decode).
        _ = reader.field("@type")
        let statPrefixField = reader.field("stat_prefix")
        let statPrefix = statPrefixField?.name()
        var codec: CodecType?
        if let codecField = reader.field("codec_type"),
            let number = codecField.enumeration("codec_type", CodecType.protoNames)
        {
            codec = CodecType(rawValue: number)
            if codec == nil { codecField.error("codec_type HTTP3 is not supported by Lifeline, which has no QUIC") }
        }
        let filtersField = reader.field("http_filters")
        let filterNames = filtersField.flatMap(decodeHttpFilters)
        let routeField = reader.field("route_config")
        let routeConfig = routeField.flatMap(RouteConfigurationConfig.decode)
        let streamIdle = reader.field("stream_idle_timeout")?.durationSetting()
        let request = reader.field("request_timeout")?.durationSetting()
        let requestHeaders = reader.field("request_headers_timeout")?.durationSetting()
        let headersKb = reader.field("max_request_headers_kb")?.integer(in: 1...8192, unit: "KiB")
        let common = reader.field("common_http_protocol_options").flatMap(CommonHttpProtocolOptionsConfig.decode)
        let http1Field = reader.field("http_protocol_options")
        let http2 = reader.field("http2_protocol_options").flatMap(Http2ProtocolOptionsConfig.decode)
        let remote = reader.field("use_remote_address")?.bool()
        let hops = reader.field("xff_num_trusted_hops")?.integer(in: 0...Int64(UInt32.max))
        reader.finish(envoyFields: envoyFields)
        if let http1Field { decodeHttp1Options(http1Field) }
        if statPrefixField == nil { field.error("http_connection_manager needs a stat_prefix") }
        if routeField == nil && !reader.has("rds") {
            field.error("http_connection_manager needs a route_config (Lifeline reads routes inline, not from rds)")
        }
        guard let statPrefix, let routeConfig else { return nil }
        var config = HttpConnectionManagerConfig(
            statPrefix: statPrefix,
            codecType: codec,
            httpFilterNames: filterNames ?? [],
            routeConfig: routeConfig,
            origin: field.origin
        )
        if filtersField == nil {
            // Envoy 1.40 accepts a manager without http_filters but then answers no request (each waits for its
            // stream timeout), so Lifeline asks for the router instead of guessing.
            field.error(
                "http_connection_manager needs http_filters ending in the router (\(routerName), @type "
                    + "\(routerTypeURL)); without it Envoy accepts the config but answers no request"
            )
        }
        config.streamIdleTimeout = streamIdle
        config.requestTimeout = request
        config.requestHeadersTimeout = requestHeaders
        config.maxRequestHeadersKb = headersKb.map(Int.init)
        config.common = common
        config.http2 = http2
        config.useRemoteAddress = remote
        config.xffNumTrustedHops = hops.map(Int.init)
        return config
    }

    /// `http_filters`: Lifeline runs the router only, and as in Envoy it must come last. Returns the names read.
    private static func decodeHttpFilters(_ field: FieldValue) -> [String]? {
        guard let entries = field.array() else { return nil }
        guard !entries.isEmpty else {
            field.error(
                "http_filters must end with the router (\(routerName), @type \(routerTypeURL)); with none Envoy "
                    + "accepts the config but answers no request"
            )
            return nil
        }
        var names: [String] = []
        for (index, entry) in entries.enumerated() {
            guard var reader = entry.object() else { continue }
            let nameField = reader.field("name")
            let name = nameField?.name()
            let typedConfig = reader.field("typed_config")
            reader.finish(envoyFields: ["config_discovery", "is_optional", "disabled"])
            if nameField == nil { entry.error("an HTTP filter needs a name") }
            guard let typedConfig else {
                if !reader.has("config_discovery") {
                    entry.error("an HTTP filter needs a typed_config whose @type names it, e.g. \(routerTypeURL)")
                }
                continue
            }
            guard var typed = typedConfig.object() else { continue }
            guard let typeField = typed.field("@type") else {
                typedConfig.error(
                    "typed_config needs an @type: Envoy picks the HTTP filter by its type, not by its name "
                        + "(e.g. \(routerTypeURL))"
                )
                continue
            }
            guard let type = typeField.string() else { continue }
            guard type == routerTypeURL else {
                entry.error(
                    "HTTP filter \(JSONText.quote(name ?? type)) (\(type)) is not supported by Lifeline, which runs "
                        + "only the router (\(routerTypeURL))"
                )
                continue
            }
            typed.finish(envoyFields: [
                "dynamic_stats", "start_child_span", "upstream_log", "upstream_log_options", "suppress_envoy_headers",
                "strict_check_headers", "respect_expected_rq_timeout", "suppress_grpc_request_failure_code_stats",
                "upstream_http_filters", "reject_connect_request_early_data",
            ])
            if index != entries.count - 1 {
                // Envoy: "terminal filter named … must be the last filter in a http filter chain".
                entry.error("the router ends the HTTP filter chain: it must be the last of http_filters")
            }
            if let name { names.append(name) }
        }
        return names
    }

    /// `http_protocol_options` (HTTP/1.1), downstream or upstream: Lifeline runs Envoy's defaults and takes none of
    /// its fields.
    static func decodeHttp1Options(_ field: FieldValue) {
        guard let reader = field.object() else { return }
        reader.finish(envoyFields: [
            "allow_absolute_url", "accept_http_10", "default_host_for_http_10", "header_key_format", "enable_trailers",
            "allow_chunked_length", "override_stream_error_on_invalid_http_message", "send_fully_qualified_url",
            "use_balsa_parser", "allow_custom_methods", "ignore_http_11_upgrade",
        ])
    }
}

extension CommonHttpProtocolOptionsConfig {
    static func decode(_ field: FieldValue) -> CommonHttpProtocolOptionsConfig? {
        guard var reader = field.object() else { return nil }
        var options = CommonHttpProtocolOptionsConfig(origin: field.origin)
        options.idleTimeout = reader.field("idle_timeout")?.durationSetting()
        options.maxConnectionDuration = reader.field("max_connection_duration")?.durationSetting()
        options.maxStreamDuration = reader.field("max_stream_duration")?.durationSetting()
        options.headersWithUnderscoresAction = reader.field("headers_with_underscores_action")?
            .enumeration("headers_with_underscores_action", HeadersWithUnderscoresAction.protoNames)
            .flatMap(HeadersWithUnderscoresAction.init(rawValue:))
        options.maxRequestsPerConnection = reader.field("max_requests_per_connection")?
            .integer(in: 0...Int64(UInt32.max)).map(Int.init)
        reader.finish(envoyFields: ["max_headers_count", "max_response_headers_kb"])
        return options
    }
}

extension Http2ProtocolOptionsConfig {
    static let envoyFields: Set<String> = [
        "hpack_table_size", "allow_connect", "allow_metadata", "max_outbound_frames",
        "max_inbound_priority_frames_per_stream",
        "max_inbound_window_update_frames_per_data_frame_sent", "stream_error_on_invalid_http_messaging",
        "override_stream_error_on_invalid_http_message", "custom_settings_parameters", "use_oghttp2_codec",
        "max_metadata_size", "enable_huffman_encoding",
    ]

    static func decode(_ field: FieldValue) -> Http2ProtocolOptionsConfig? {
        guard var reader = field.object() else { return nil }
        let window: ClosedRange<Int64> = 65535...2_147_483_647
        var options = Http2ProtocolOptionsConfig(origin: field.origin)
        options.maxConcurrentStreams = reader.field("max_concurrent_streams")?.integer(in: 1...2_147_483_647)
            .map(Int.init)
        options.initialStreamWindowSize = reader.field("initial_stream_window_size")?.integer(in: window).map(Int.init)
        options.initialConnectionWindowSize = reader.field("initial_connection_window_size")?.integer(in: window)
            .map(Int.init)
        options.keepalive = reader.field("connection_keepalive").flatMap(Http2KeepaliveConfig.decode)
        options.maxOutboundControlFrames = reader.field("max_outbound_control_frames")?.integer(in: 1...4_294_967_295)
            .map(Int.init)
        options.maxConsecutiveInboundFramesWithEmptyPayload = reader.field(
            "max_consecutive_inbound_frames_with_empty_payload"
        )?.integer(in: 0...4_294_967_295).map(Int.init)
        reader.finish(envoyFields: envoyFields)
        return options
    }
}

extension Http2KeepaliveConfig {
    static func decode(_ field: FieldValue) -> Http2KeepaliveConfig? {
        guard var reader = field.object() else { return nil }
        let intervalField = reader.field("interval")
        let interval = intervalField?.duration()
        let timeoutField = reader.field("timeout")
        let timeout = timeoutField?.duration()
        var jitter: Double?
        if let jitterField = reader.field("interval_jitter"), var jitterReader = jitterField.object() {
            jitter = jitterReader.field("value")?.number(in: 0...100)
            jitterReader.finish()
        }
        let idleField = reader.field("connection_idle_interval")
        let idle = idleField?.duration()
        reader.finish()
        // Envoy's bounds: interval and timeout at least 1 ms, connection_idle_interval at least 0.1 s.
        if let intervalField, let interval, interval < .milliseconds(1) {
            intervalField.error("interval must be at least 1ms")
        }
        if let timeoutField, let timeout, timeout < .milliseconds(1) {
            timeoutField.error("timeout must be at least 1ms")
        }
        if let idleField, let idle, idle < .milliseconds(100) {
            idleField.error("connection_idle_interval must be at least 0.1s")
        }
        guard timeoutField != nil else {
            field.error("connection_keepalive needs a timeout: how long to wait for any frame after a PING")
            return nil
        }
        guard let timeout, timeout >= .milliseconds(1) else { return nil }
        return Http2KeepaliveConfig(
            interval: interval,
            timeout: timeout,
            intervalJitterPercent: jitter,
            connectionIdleInterval: idle,
            origin: field.origin
        )
    }
}

extension UpstreamHttpProtocolOptionsConfig {
    /// `typed_extension_protocol_options`: Envoy looks each entry up by its key, which must name a known extension;
    /// Lifeline knows the upstream HTTP one.
    static func decodeExtensions(_ field: FieldValue) -> UpstreamHttpProtocolOptionsConfig? {
        guard case .object(let entries) = field.tree.value else {
            field.error("expected an object, found \(field.tree.kindDescription)")
            return nil
        }
        var options: UpstreamHttpProtocolOptionsConfig?
        for entry in entries {
            // A map: its keys are extension names, not field names.
            let value = FieldValue(
                tree: entry.value,
                path: field.path.appending(entry.key),
                sink: field.sink,
                provenance: entry.value.provenance ?? field.provenance
            )
            if entry.key == extensionName {
                options = decode(value)
            } else {
                value.error(
                    "protocol options \(JSONText.quote(entry.key)) are not supported by Lifeline, which reads "
                        + extensionName
                )
            }
        }
        return options
    }

    static func decode(_ field: FieldValue) -> UpstreamHttpProtocolOptionsConfig? {
        guard var reader = field.object() else { return nil }
        if let typeField = reader.field("@type"), let type = typeField.string(), type != typeURL {
            typeField.error("expected @type \(typeURL)")
            return nil
        }
        let common = reader.field("common_http_protocol_options").flatMap(CommonHttpProtocolOptionsConfig.decode)
        let explicitField = reader.field("explicit_http_config")
        var http2: Http2ProtocolOptionsConfig?
        var explicitRead = false
        if let explicitField, var explicit = explicitField.object() {
            let http1 = explicit.field("http_protocol_options")
            let h2 = explicit.field("http2_protocol_options")
            explicit.finish(envoyFields: ["http3_protocol_options"])
            if http1 != nil && h2 != nil {
                explicitField.error("give one of http_protocol_options and http2_protocol_options")
            }
            if let http1 { HttpConnectionManagerConfig.decodeHttp1Options(http1) }
            http2 = h2.flatMap(Http2ProtocolOptionsConfig.decode)
            explicitRead = http1 != nil || h2 != nil
        }
        let elsewhere = ["use_downstream_protocol_config", "auto_config"].contains { reader.has($0) }
        reader.finish(envoyFields: [
            "upstream_http_protocol_options", "use_downstream_protocol_config", "auto_config", "http_filters",
            "header_validation_config", "outlier_detection",
        ])
        if !explicitRead && !elsewhere {
            // Envoy: upstream_protocol_options is a required oneof.
            (explicitField ?? field).error(
                "HttpProtocolOptions needs explicit_http_config with http_protocol_options (HTTP/1.1) or "
                    + "http2_protocol_options (HTTP/2)"
            )
        }
        return UpstreamHttpProtocolOptionsConfig(http2: http2, common: common, origin: field.origin)
    }
}

extension FieldValue {
    /// A duration with where it is written.
    func durationSetting() -> DurationSetting? {
        duration().map { DurationSetting($0, origin: origin) }
    }

    /// A `double` in `range`.
    func number(in range: ClosedRange<Double>) -> Double? {
        let text: String
        switch tree.value {
        case .number(let literal): text = literal
        case .string(let literal): text = literal
        default:
            error("expected a number, found \(tree.kindDescription)")
            return nil
        }
        guard let number = Double(text), number.isFinite else {
            error("expected a number, found \(JSONText.quote(text))")
            return nil
        }
        guard range.contains(number) else {
            error("\(text) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return number
    }
}
