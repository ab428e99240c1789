public import LifelineConfig
public import LifelineSocket

/// Compiles a decoded ``Bootstrap`` into a ``GatewayPlan``: symbolic option names become this platform's numbers,
/// named settings become literal options, and every problem is reported at once with its path.
public enum GatewayPlanner {
    /// - Parameter openFilesLimit: the soft `RLIMIT_NOFILE` the default connection cap is derived from (nil:
    ///   unlimited); this process's own unless a test gives another.
    public static func plan(
        _ bootstrap: Bootstrap,
        openFilesLimit: Int? = SystemLimits.openFilesLimit
    ) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic]) {
        var diagnostics: [ConfigDiagnostic] = []
        var listeners: [ListenerPlan] = []
        for listener in bootstrap.listeners {
            if let plan = planListener(listener, diagnostics: &diagnostics) {
                listeners.append(plan)
            }
        }
        let clusters = bootstrap.clusters.map { cluster -> ClusterPlan in
            var sequence = SocketOptionSequence()
            KeepaliveOptions.addNamed(
                to: &sequence,
                config: cluster.upstreamTcpKeepalive,
                userTimeout: cluster.upstreamTcpUserTimeout,
                userTimeoutOrigin: cluster.upstreamTcpUserTimeoutOrigin,
                state: .prebind
            )
            KeepaliveOptions.addDefaultsIfSilent(to: &sequence, state: .prebind)
            var plan = ClusterPlan(
                name: cluster.name,
                type: cluster.type,
                connectTimeout: cluster.connectTimeout,
                lbPolicy: cluster.lbPolicy,
                endpoints: cluster.endpoints.map { EndpointPlan(host: $0.address, port: $0.portValue) },
                bufferLimitBytes: cluster.perConnectionBufferLimitBytes,
                upstreamSocketOptions: sequence.resolve(warnings: &diagnostics),
                tls: cluster.transportSocket?.tls.flatMap { planUpstreamTls($0, diagnostics: &diagnostics) },
                origin: cluster.origin
            )
            plan.http = planUpstreamHttp(cluster.httpProtocolOptions)
            return plan
        }
        var admin: AdminPlan?
        if let config = bootstrap.admin {
            if let address = IPEndpoint(host: config.address.address, port: config.address.portValue) {
                admin = AdminPlan(address: address)
            } else {
                diagnostics.append(config.address.origin.diagnostic("the admin address must be an IP address"))
            }
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ConfigError(diagnostics: diagnostics)
        }
        let connectionLimit =
            bootstrap.globalConnectionLimit.map(ConnectionLimitPlan.init)
            ?? .defaultLimit(openFilesLimit: openFilesLimit)
        let plan = GatewayPlan(
            admin: admin,
            listeners: listeners,
            clusters: clusters,
            maxDownstreamConnections: connectionLimit
        )
        return (plan, diagnostics)
    }

    /// Loads, decodes, validates and plans a bootstrap file, returning all warnings.
    public static func plan(configPath: String) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic]) {
        let (bootstrap, decodeWarnings) = try Bootstrap.load(path: configPath)
        let (plan, planWarnings) = try plan(bootstrap)
        return (plan, decodeWarnings + planWarnings)
    }

    private static func planListener(_ listener: ListenerConfig, diagnostics: inout [ConfigDiagnostic]) -> ListenerPlan?
    {
        let known = SocketOptionNames.Known.self
        var sequence = SocketOptionSequence()
        // Envoy sets SO_REUSEADDR on every listener so that a restart can bind while old connections sit in TIME_WAIT.
        sequence.add(
            PlannedSocketOption(
                option: SocketOption(
                    level: known.reuseAddress.level,
                    name: known.reuseAddress.name,
                    value: .int(1),
                    state: .prebind
                ),
                source: "default"
            ),
            kind: .builtIn
        )
        if listener.enableReusePort {
            sequence.add(
                PlannedSocketOption(
                    option: SocketOption(
                        level: known.reusePort.level,
                        name: known.reusePort.name,
                        value: .int(1),
                        state: .prebind
                    ),
                    source: "enable_reuse_port"
                ),
                kind: .named
            )
        }
        KeepaliveOptions.addNamed(
            to: &sequence,
            config: listener.tcpKeepalive,
            userTimeout: listener.tcpUserTimeout,
            userTimeoutOrigin: listener.tcpUserTimeoutOrigin,
            state: .prebind
        )
        for config in listener.socketOptions {
            if let option = SocketOptionResolver.resolve(config, diagnostics: &diagnostics) {
                sequence.add(option, kind: .explicit, origin: config.origin)
            }
        }
        // Lifeline's own defaults go where the seed's recipe puts keepalive, on the listening socket; being applied
        // only when nothing else speaks about keepalive, their state never decides a contest.
        KeepaliveOptions.addDefaultsIfSilent(to: &sequence, state: .listening)
        let options = sequence.resolve(warnings: &diagnostics)
        let chains = listener.filterChains.compactMap { planFilterChain($0, diagnostics: &diagnostics) }
        let defaultChain = listener.defaultFilterChain.flatMap { planFilterChain($0, diagnostics: &diagnostics) }
        guard !chains.isEmpty || defaultChain != nil else { return nil }
        guard let address = IPEndpoint(host: listener.address.address, port: listener.address.portValue) else {
            return nil
        }
        // The SO_REUSEPORT the socket keeps: an explicit 0 leaves one socket, all that can bind the port.
        let reusePort =
            options.last {
                $0.option.level == known.reusePort.level && $0.option.name == known.reusePort.name
            }.map { $0.option.value != .int(0) } ?? false
        return ListenerPlan(
            name: listener.name,
            address: address,
            reusePort: reusePort,
            bufferLimitBytes: listener.perConnectionBufferLimitBytes,
            backlog: Int32(listener.tcpBacklogSize ?? Int(SystemLimits.somaxconn)),
            socketOptions: options,
            filterChains: chains,
            defaultFilterChain: defaultChain,
            listenerFilters: planListenerFilters(listener),
            statPrefix: listener.statPrefix,
            origin: listener.origin
        )
    }
}
