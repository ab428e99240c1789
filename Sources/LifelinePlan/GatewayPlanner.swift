public import LifelineConfig
import LifelineSocket

/// Compiles a decoded ``Bootstrap`` into a ``GatewayPlan``: symbolic option names become this platform's numbers,
/// named settings become literal options, and every problem is reported at once with its path.
public enum GatewayPlanner {
    public static func plan(_ bootstrap: Bootstrap) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic]) {
        var diagnostics: [ConfigDiagnostic] = []
        var listeners: [ListenerPlan] = []
        for listener in bootstrap.listeners {
            if let plan = planListener(listener, diagnostics: &diagnostics) {
                listeners.append(plan)
            }
        }
        let clusters = bootstrap.clusters.map { cluster in
            var layers = SocketOptionLayers()
            KeepaliveOptions.add(
                to: &layers,
                config: cluster.upstreamTcpKeepalive,
                userTimeout: cluster.upstreamTcpUserTimeout,
                userTimeoutOrigin: cluster.upstreamTcpUserTimeoutOrigin,
                state: .prebind
            )
            return ClusterPlan(
                name: cluster.name,
                type: cluster.type,
                connectTimeout: cluster.connectTimeout,
                lbPolicy: cluster.lbPolicy,
                endpoints: cluster.endpoints.map { EndpointPlan(host: $0.address, port: $0.portValue) },
                bufferLimitBytes: cluster.perConnectionBufferLimitBytes,
                upstreamSocketOptions: KeepaliveOptions.deriveUserTimeout(
                    layers.resolveWithLayers(warnings: &diagnostics)
                )
            )
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
        return (GatewayPlan(admin: admin, listeners: listeners, clusters: clusters), diagnostics)
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
        var layers = SocketOptionLayers()
        // Envoy sets SO_REUSEADDR on every listener so that a restart can bind while old connections sit in TIME_WAIT.
        layers.add(
            PlannedSocketOption(
                option: SocketOption(
                    level: known.reuseAddress.level,
                    name: known.reuseAddress.name,
                    value: .int(1),
                    state: .prebind
                ),
                source: "default"
            ),
            layer: .builtIn
        )
        if listener.enableReusePort {
            layers.add(
                PlannedSocketOption(
                    option: SocketOption(
                        level: known.reusePort.level,
                        name: known.reusePort.name,
                        value: .int(1),
                        state: .prebind
                    ),
                    source: "enable_reuse_port"
                ),
                layer: .named
            )
        }
        KeepaliveOptions.add(
            to: &layers,
            config: listener.tcpKeepalive,
            userTimeout: listener.tcpUserTimeout,
            userTimeoutOrigin: listener.tcpUserTimeoutOrigin,
            state: .listening
        )
        for config in listener.socketOptions {
            if let option = SocketOptionResolver.resolve(config, diagnostics: &diagnostics) {
                layers.add(option, layer: .explicit, origin: config.origin)
            }
        }
        let options = KeepaliveOptions.deriveUserTimeout(layers.resolveWithLayers(warnings: &diagnostics))
        guard let proxy = listener.tcpProxy else { return nil }
        guard let address = IPEndpoint(host: listener.address.address, port: listener.address.portValue) else {
            return nil
        }
        // An explicit SO_REUSEPORT=0 wins over enable_reuse_port; then one socket is all that can bind the port.
        let reusePort = options.contains {
            $0.option.level == known.reusePort.level && $0.option.name == known.reusePort.name
                && $0.option.value != .int(0)
        }
        return ListenerPlan(
            name: listener.name,
            address: address,
            reusePort: reusePort,
            bufferLimitBytes: listener.perConnectionBufferLimitBytes,
            backlog: Int32(listener.tcpBacklogSize ?? Int(SystemLimits.somaxconn)),
            socketOptions: options,
            tcpProxy: TcpProxyPlan(
                statPrefix: proxy.statPrefix,
                cluster: proxy.cluster,
                idleTimeout: proxy.idleTimeout
            ),
            origin: listener.origin
        )
    }
}
