extension ClusterConfig {
    static let envoyFields: Set<String> = [
        "transport_socket_matches", "alt_stat_name", "cluster_type", "eds_cluster_config",
        "circuit_breakers", "upstream_http_protocol_options", "common_http_protocol_options", "http_protocol_options",
        "dns_refresh_rate", "dns_failure_refresh_rate",
        "respect_dns_ttl", "dns_lookup_family", "dns_resolvers", "use_tcp_for_dns_lookups", "dns_resolution_config",
        "typed_dns_resolver_config", "wait_for_warm_on_init", "outlier_detection", "cleanup_interval",
        "upstream_bind_config", "lb_subset_config", "ring_hash_lb_config", "maglev_lb_config",
        "original_dst_lb_config", "least_request_lb_config", "round_robin_lb_config", "common_lb_config",
        "metadata", "protocol_selection",
        "close_connections_on_host_health_failure", "ignore_health_on_host_removal", "filters", "load_balancing_policy",
        "lrs_server", "track_timeout_budgets", "upstream_config", "track_cluster_stats", "preconnect_policy",
        "connection_pool_per_downstream_connection", "health_checks", "max_requests_per_connection", "hosts",
    ]

    static func decode(_ field: FieldValue) -> ClusterConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        if let name {
            field.sink.declaredClusters.insert(name)
        }
        let typeField = reader.field("type")
        let type = typeField?.enumeration("cluster type", DiscoveryType.protoNames)
        let connectTimeout = reader.field("connect_timeout")?.duration()
        let policyField = reader.field("lb_policy")
        let policy = policyField?.enumeration("lb_policy", LoadBalancingPolicy.protoNames)
        let bufferLimit = reader.field("per_connection_buffer_limit_bytes")?.integer(in: 1...Int64(UInt32.max))
        var upstreamOptions: (TcpKeepaliveConfig?, Duration?, ConfigOrigin?, ConfigOrigin)?
        if let optionsField = reader.field("upstream_connection_options"), var options = optionsField.object() {
            let keepalive = options.field("tcp_keepalive").flatMap(TcpKeepaliveConfig.decode)
            let timeoutField = options.field("tcp_user_timeout")
            let timeout = timeoutField.flatMap { $0.userTimeout() }
            options.finish(envoyFields: ["set_local_interface_name_on_upstream_connections", "happy_eyeballs_config"])
            upstreamOptions = (keepalive, timeout, timeoutField?.origin, optionsField.origin)
        }
        let transportSocket = reader.field("transport_socket").flatMap(TransportSocketConfig.decodeUpstream)
        let extensionsField = reader.field("typed_extension_protocol_options")
        var httpOptions = extensionsField.flatMap(UpstreamHttpProtocolOptionsConfig.decodeExtensions)
        if let http2Field = reader.field("http2_protocol_options") {
            let http2 = Http2ProtocolOptionsConfig.decode(http2Field)
            if extensionsField != nil {
                // Envoy 1.40 accepts both and takes the extension's options, ignoring the deprecated field.
                http2Field.warning(
                    "the deprecated http2_protocol_options is ignored: typed_extension_protocol_options "
                        + "\(UpstreamHttpProtocolOptionsConfig.extensionName) decides, as in Envoy"
                )
            } else {
                http2Field.warning(
                    "http2_protocol_options on a cluster is deprecated (Envoy warns too); write "
                        + "typed_extension_protocol_options \(UpstreamHttpProtocolOptionsConfig.extensionName) with "
                        + "explicit_http_config.http2_protocol_options"
                )
                httpOptions = http2.map {
                    UpstreamHttpProtocolOptionsConfig(http2: $0, common: nil, origin: http2Field.origin)
                }
            }
        }
        let assignmentField = reader.field("load_assignment")
        let endpoints = assignmentField.map(decodeLoadAssignment) ?? []
        reader.finish(envoyFields: envoyFields)
        if nameField == nil { field.error("a cluster needs a name") }
        if assignmentField == nil { field.error("a cluster needs a load_assignment with endpoints") }
        if connectTimeout == .zero {
            field.error("connect_timeout must be greater than 0s")
        }
        guard let name else { return nil }
        var cluster = ClusterConfig(
            name: name,
            type: type.flatMap(DiscoveryType.init(rawValue:)) ?? .staticAddresses,
            connectTimeout: connectTimeout ?? defaultConnectTimeout,
            lbPolicy: policy.flatMap(LoadBalancingPolicy.init(rawValue:)) ?? .roundRobin,
            endpoints: endpoints,
            perConnectionBufferLimitBytes: bufferLimit.map(Int.init) ?? ListenerConfig.defaultBufferLimitBytes,
            origin: field.origin
        )
        cluster.transportSocket = transportSocket
        cluster.httpProtocolOptions = httpOptions
        if let (keepalive, timeout, timeoutOrigin, optionsOrigin) = upstreamOptions {
            cluster.upstreamTcpKeepalive = keepalive
            cluster.upstreamTcpUserTimeout = timeout
            cluster.upstreamTcpUserTimeoutOrigin = timeoutOrigin
            cluster.upstreamConnectionOptionsOrigin = optionsOrigin
        }
        return cluster
    }

    /// `envoy.config.endpoint.v3.ClusterLoadAssignment`, flattened to its endpoint addresses.
    private static func decodeLoadAssignment(_ field: FieldValue) -> [SocketAddressConfig] {
        guard var reader = field.object() else { return [] }
        _ = reader.field("cluster_name")?.string()
        let localities = reader.field("endpoints")?.array() ?? []
        reader.finish(envoyFields: ["policy", "named_endpoints"])
        var addresses: [SocketAddressConfig] = []
        for locality in localities {
            guard var localityReader = locality.object() else { continue }
            for lbEndpoint in localityReader.field("lb_endpoints")?.array() ?? [] {
                guard var lbReader = lbEndpoint.object() else { continue }
                if let endpoint = lbReader.field("endpoint"), var endpointReader = endpoint.object() {
                    if let addressField = endpointReader.field("address") {
                        SocketAddressConfig.decodeAddress(addressField).map { addresses.append($0) }
                    } else {
                        endpoint.error("an endpoint needs an address")
                    }
                    endpointReader.finish(envoyFields: ["health_check_config", "hostname", "additional_addresses"])
                } else if !lbReader.has("endpoint_name") {
                    lbEndpoint.error("needs an endpoint")
                }
                lbReader.finish(envoyFields: ["endpoint_name", "health_status", "metadata", "load_balancing_weight"])
            }
            localityReader.finish(envoyFields: [
                "locality", "load_balancing_weight", "priority", "proximity", "metadata",
                "leds_cluster_locality_config",
            ])
        }
        return addresses
    }
}
