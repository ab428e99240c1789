public import LifelineProxy

/// A stat's Prometheus name and labels as Envoy's default tag extraction makes them: the scope's variable part
/// becomes a label (`envoy_listener_address`, `envoy_http_conn_manager_prefix`, `envoy_tcp_prefix`,
/// `envoy_cluster_name`, `envoy_connection_limit_prefix`), a response class suffix `_rq_2xx` becomes `_rq_xx` with `envoy_response_code_class="2"`,
/// and what is left, prefixed `envoy_`, with every character Prometheus does not allow as `_`, is the name.
public struct PrometheusStatName: Sendable, Hashable {
    public var name: String
    public var labels: [(String, String)]

    public init(_ sample: StatSample) {
        var leaf = sample.leaf
        var labels: [(String, String)] = []
        if let match = leaf.firstMatch(of: #/_rq_([1-5])xx$/#) {
            labels.append(("envoy_response_code_class", String(match.output.1)))
            leaf.replaceSubrange(match.range, with: "_rq_xx")
        }
        let scope: String
        switch sample.scope {
        case .root:
            scope = ""
        case .listener(let address):
            scope = "listener."
            labels.append(("envoy_listener_address", address))
        case .http(let prefix):
            scope = "http."
            labels.append(("envoy_http_conn_manager_prefix", prefix))
        case .listenerHTTP(let listener, let prefix):
            scope = "listener.http."
            labels.append(("envoy_http_conn_manager_prefix", prefix))
            labels.append(("envoy_listener_address", listener))
        case .tcp(let prefix):
            scope = "tcp."
            labels.append(("envoy_tcp_prefix", prefix))
        case .cluster(let name):
            scope = "cluster."
            labels.append(("envoy_cluster_name", name))
        case .connectionLimit(let prefix):
            scope = "connection_limit."
            labels.append(("envoy_connection_limit_prefix", prefix))
        case .proxyProtocol:
            // Envoy has no tag for the filter's prefix: it stays in the name.
            scope = sample.scope.prefix
        }
        self.name = Self.sanitized("envoy." + scope + leaf)
        self.labels = labels
    }

    public static func == (lhs: PrometheusStatName, rhs: PrometheusStatName) -> Bool {
        lhs.name == rhs.name && lhs.labels.map { [$0.0, $0.1] } == rhs.labels.map { [$0.0, $0.1] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for (label, value) in labels {
            hasher.combine(label)
            hasher.combine(value)
        }
    }

    /// Envoy's `sanitizeName`: what is not `[a-zA-Z0-9_:]` becomes `_`.
    static func sanitized(_ name: String) -> String {
        String(
            name.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "_", ":": Character(scalar)
                default: "_"
                }
            }
        )
    }
}
