import LifelineConfig

/// What `lifeline explain` reports for HTTP: for each filter chain ending in an http_connection_manager, the
/// downstream HTTP/2 keepalive and the connection limits, and for each forwarding route the limits a long-lived
/// stream meets, with a warning (naming the field to set) for each limit that cuts such a stream.
///
/// Which routes carry long-lived gRPC streams is the application's business, not the config's: a route that matches
/// `grpc: {}` surely does, but any other may too (Istio writes no gRPC matchers). So every forwarding route is judged
/// as if it carried one, and each is marked with whether its match says gRPC.
public struct HttpStreamExplanation: Sendable, Hashable {
    /// One limit on a stream or connection: its value (nil: off) and where it came from.
    public struct Limit: Sendable, Hashable {
        public var value: Duration?
        /// `Envoy's default` or the config path it is written at.
        public var source: String
        /// The field to set to change it.
        public var field: String
    }

    public struct Route: Sendable, Hashable {
        /// `api/grpc-echo`: the virtual host's name and the route's (or its index).
        public var label: String
        /// The route's path, `…virtual_hosts[0].routes[1]`.
        public var path: String
        public var match: String
        public var clusters: [String]
        /// The match has `grpc: {}`.
        public var grpcMatch: Bool
        /// `route.timeout`: from the end of the request to the end of the response.
        public var timeout: Limit
        /// The silence a stream survives: the route's `idle_timeout`, else `stream_idle_timeout`.
        public var silence: Limit
        /// The route's `max_stream_duration`, else the connection manager's.
        public var maxStreamDuration: Limit
        /// What else bounds a stream on this route, without cutting every long-lived one.
        public var notes: [String]
        public var warnings: [String]
    }

    public struct Chain: Sendable, Hashable {
        public var listener: String
        /// The chain's name (its path when unnamed).
        public var chain: String
        public var codec: String
        /// `http2_protocol_options.connection_keepalive`; nil: no PINGs.
        public var keepalive: Http2KeepalivePlan?
        /// Where `http2_protocol_options` is, for advice: `…typed_config.http2_protocol_options`.
        public var keepaliveField: String
        /// `common_http_protocol_options.idle_timeout`: a connection without streams is closed after this.
        public var idleTimeout: Limit
        public var maxConnectionDuration: Limit
        public var requestTimeout: Limit
        public var routes: [Route]
        public var warnings: [String]
    }

    /// A cluster whose endpoints are spoken to in HTTP/2, and the PINGs on those connections.
    public struct Upstream: Sendable, Hashable {
        public var cluster: String
        /// What the PINGs are: the cluster's `connection_keepalive`, or Lifeline's default where it is silent.
        public var keepalive: Http2KeepalivePlan
        /// Where `connection_keepalive` is written; nil for Lifeline's default.
        public var source: String?
    }

    public var chains: [Chain]
    /// Clusters spoken to in HTTP/2 (`http2_protocol_options` in their HTTP protocol options).
    public var upstreams: [Upstream]

    public init(plan: GatewayPlan) {
        chains = plan.listeners.flatMap { listener in
            (listener.filterChains + [listener.defaultFilterChain].compactMap { $0 }).compactMap { chain in
                chain.httpConnectionManager.map { Self.chain($0, listener: listener.name, chain: chain.name) }
            }
        }
        upstreams = plan.clusters.compactMap { cluster in
            guard let http2 = cluster.http.http2 else { return nil }
            guard let keepalive = http2.keepalive else {
                return Upstream(
                    cluster: cluster.name,
                    keepalive: UpstreamHttpPlan.defaultLifelineHttp2Keepalive,
                    source: nil
                )
            }
            return Upstream(
                cluster: cluster.name,
                keepalive: keepalive,
                source: keepalive.origin?.path ?? http2.origin?.path ?? cluster.origin.path
            )
        }
    }

    /// Every warning, prefixed with the listener and chain (and route) it is about.
    public var warnings: [String] {
        chains.flatMap { chain in
            let prefix = "listener \(chain.listener) chain \(chain.chain)"
            return chain.warnings.map { "\(prefix): \($0)" }
                + chain.routes.flatMap { route in route.warnings.map { "\(prefix) route \(route.label): \($0)" } }
        }
    }

    private static func limit(_ value: Duration?, written: ConfigOrigin?, field: String) -> Limit {
        Limit(value: value, source: written?.path ?? Self.defaultSource, field: field)
    }

    private static func chain(_ manager: HttpConnectionManagerPlan, listener: String, chain: String) -> Chain {
        let base = manager.origin.path
        let common = "\(base).common_http_protocol_options"
        let idle = limit(
            manager.idleTimeout,
            written: manager.fieldOrigins[.idleTimeout],
            field: "\(common).idle_timeout"
        )
        let connection = limit(
            manager.maxConnectionDuration,
            written: manager.fieldOrigins[.maxConnectionDuration],
            field: "\(common).max_connection_duration"
        )
        let request = limit(
            manager.requestTimeout,
            written: manager.fieldOrigins[.requestTimeout],
            field: "\(base).request_timeout"
        )
        var warnings: [String] = []
        if let value = connection.value {
            warnings.append(
                "max_connection_duration \(seconds(value)) (from \(connection.source)) drains every connection after "
                    + "that long: a stream still open when the drain ends is cut; set \(connection.field) to 0s (or "
                    + "remove it) to keep long-lived streams"
            )
        }
        if let value = request.value {
            warnings.append(
                "request_timeout \(seconds(value)) (from \(request.source)) cuts a request still being received "
                    + "after that long (408): a client-streaming or bidirectional gRPC call's request lasts as long as "
                    + "the stream; set \(request.field) to 0s (or remove it)"
            )
        }
        var routes: [Route] = []
        for host in manager.routeConfig.virtualHosts {
            for (index, route) in host.routes.enumerated() {
                guard case .forward(let forward) = route.action else { continue }
                routes.append(
                    Self.route(route, forward: forward, index: index, host: host, manager: manager)
                )
            }
        }
        return Chain(
            listener: listener,
            chain: chain,
            codec: manager.codecType.protoName,
            keepalive: manager.http2.keepalive,
            keepaliveField: "\(base).http2_protocol_options.connection_keepalive",
            idleTimeout: idle,
            maxConnectionDuration: connection,
            requestTimeout: request,
            routes: routes,
            warnings: warnings
        )
    }

    private static func route(
        _ route: RoutePlan,
        forward: ForwardPlan,
        index: Int,
        host: VirtualHostPlan,
        manager: HttpConnectionManagerPlan
    ) -> Route {
        let path = route.origin.path
        let timeout = limit(forward.timeout, written: forward.timeoutOrigin, field: "\(path).route.timeout")
        let silence: Limit
        if let idle = forward.idleTimeout {
            silence = Limit(value: idle, source: "\(path).route.idle_timeout", field: "\(path).route.idle_timeout")
        } else {
            silence = limit(
                manager.streamIdleTimeout,
                written: manager.fieldOrigins[.streamIdleTimeout],
                field: "\(manager.origin.path).stream_idle_timeout"
            )
        }
        let maxStream: Limit
        if let routeLimit = forward.maxStreamDuration, routeLimit.maxStreamDuration != nil {
            let field = "\(path).route.max_stream_duration.max_stream_duration"
            maxStream = Limit(value: routeLimit.maxStreamDuration, source: field, field: field)
        } else {
            maxStream = limit(
                manager.maxStreamDuration,
                written: manager.fieldOrigins[.maxStreamDuration],
                field: "\(manager.origin.path).common_http_protocol_options.max_stream_duration"
            )
        }
        let stream = route.match.grpc ? "a gRPC stream (this route matches grpc)" : "a long-lived stream (gRPC or not)"
        var warnings: [String] = []
        if let value = timeout.value {
            let source = forward.timeoutOrigin == nil ? "Envoy's default" : "from \(timeout.source)"
            warnings.append(
                "route.timeout \(seconds(value)) (\(source)) ends \(stream) whose response has not finished "
                    + "\(seconds(value)) after the request ended (server streaming: \(seconds(value)) after it "
                    + "began); set \(timeout.field) to 0s to turn it off"
            )
        }
        if let value = maxStream.value {
            warnings.append(
                "max_stream_duration \(seconds(value)) (from \(maxStream.source)) resets \(stream) after that long; "
                    + "set \(maxStream.field) to 0s (or remove it)"
            )
        }
        var notes: [String] = []
        if let headerMax = forward.maxStreamDuration?.grpcTimeoutHeaderMax {
            let cap = headerMax == .zero ? "uncapped" : "capped at \(seconds(headerMax))"
            notes.append(
                "a request's grpc-timeout header (\(cap); from \(path).route.max_stream_duration."
                    + "grpc_timeout_header_max) limits its stream's duration: a client that sends a deadline gets it"
            )
        }
        let clusters = forward.clusters.map(\.cluster)
        return Route(
            label: "\(host.name)/\(route.name ?? "routes[\(index)]")",
            path: path,
            match: route.match.description,
            clusters: clusters,
            grpcMatch: route.match.grpc,
            timeout: timeout,
            silence: silence,
            maxStreamDuration: maxStream,
            notes: notes,
            warnings: warnings
        )
    }

    /// The source of a value the config leaves to Envoy.
    public static let defaultSource = "Envoy's default"

    /// `15 s`, `0.25 s`.
    static func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        guard attoseconds != 0 else { return "\(whole) s" }
        return "\(ProtoDuration.format(duration).dropLast()) s"
    }
}
