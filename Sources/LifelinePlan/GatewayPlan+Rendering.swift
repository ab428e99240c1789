public import LifelineConfig
import LifelineSocket

extension GatewayPlan {
    /// The plan as a tree, for `lifeline check` (YAML or JSON): listeners with their socket options grouped by
    /// state and named, clusters with their endpoints, and, when there are any, the EnvoyFilters (or patches) that
    /// do not apply to this gateway, one line each with the reason (`istio-system/foo: not selected: …`).
    public func summary(eventLoops: Int, envoyFiltersNotSelected: [String] = []) -> ConfigTree {
        .object([
            ("admin", admin.map { .object([("address", .string($0.address.description))]) }),
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
            ("listening_sockets", .number(sockets)),
            ("reuse_port", .bool(reusePort)),
            ("per_connection_buffer_limit_bytes", .number(bufferLimitBytes)),
            ("tcp_backlog_size", .number(backlog)),
            ("socket_options", .object(byState)),
            (
                "tcp_proxy",
                .object([
                    ("stat_prefix", .string(tcpProxy.statPrefix)),
                    ("cluster", .string(tcpProxy.cluster)),
                    ("idle_timeout", .string(tcpProxy.idleTimeout.map(ProtoDuration.format) ?? "disabled")),
                ])
            ),
        ])
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
        ])
    }
}
