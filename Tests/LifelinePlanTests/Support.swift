import LifelineConfig
import LifelinePlan
import LifelineSocket
import LifelineTestSupport
import Testing

#if os(Linux)
    /// The option numbers asserted here are Linux's (socket(7), tcp(7), ip(7)).
    let onLinux = true
#else
    let onLinux = false
#endif

/// Parses, decodes and plans `text`; throws the first stage's `ConfigError`. Expects no warnings.
func planConfig(_ text: String, file: String = "x.yaml") throws -> GatewayPlan {
    let (plan, warnings) = try planWithWarnings(text, file: file)
    #expect(warnings.isEmpty)
    return plan
}

/// Parses, decodes and plans `text`, returning the warnings of both stages.
func planWithWarnings(_ text: String, file: String = "x.yaml") throws(ConfigError) -> (GatewayPlan, [ConfigDiagnostic])
{
    try planTree(try ConfigLoader.parseDocument(text, file: file))
}

/// The fd limit plans are made for, so that the default connection cap they print does not depend on the machine.
let testOpenFilesLimit = 20000

/// Decodes and plans a tree (e.g. one with `provenance` set by hand), returning the warnings of both stages.
func planTree(_ tree: ConfigTree) throws(ConfigError) -> (GatewayPlan, [ConfigDiagnostic]) {
    let (bootstrap, decodeWarnings) = try Bootstrap.decode(tree)
    let (plan, planWarnings) = try GatewayPlanner.plan(bootstrap, openFilesLimit: testOpenFilesLimit)
    return (plan, decodeWarnings + planWarnings)
}

/// The diagnostics of a tree that must not decode or plan.
func treeErrors(_ tree: ConfigTree, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [ConfigDiagnostic] {
    do {
        _ = try planTree(tree)
        Issue.record("expected the config to be rejected", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

/// The planner's diagnostics for a config that decodes but must not plan.
func planErrors(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [ConfigDiagnostic] {
    let bootstrap: Bootstrap
    do {
        bootstrap = try Bootstrap.decode(try ConfigLoader.parseDocument(text, file: "x.yaml")).0
    } catch {
        Issue.record("the config should decode: \(error)", sourceLocation: sourceLocation)
        return []
    }
    do {
        _ = try GatewayPlanner.plan(bootstrap)
        Issue.record("expected the planner to reject the config", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

/// A valid bootstrap: listener `main` on 0.0.0.0:8443 with `socketOptions` (a YAML list, unindented; its first entry
/// is on line 7) and `listenerFields` (from line 8, or 7 + the number of `socketOptions` lines), proxying to STATIC
/// cluster `backend` at 10.0.0.1:8080, with `clusterFields` added to the cluster (the first on line
/// 26 + the lines before it).
func listenerConfig(socketOptions: String = "", listenerFields: String = "", clusterFields: String = "") -> String {
    """
    static_resources:
      listeners:
      - name: main
        address:
          socket_address: { address: 0.0.0.0, port_value: 8443 }
        socket_options:
    \(indented(socketOptions, by: 4))
    \(indented(listenerFields, by: 4))
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: main
              cluster: backend
      clusters:
      - name: backend
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint:
                address:
                  socket_address: { address: 10.0.0.1, port_value: 8080 }
    \(indented(clusterFields, by: 4))
    """
}

/// The planned options of the one listener of `listenerConfig` that come from its `socket_options`, planned with
/// `enable_reuse_port: false` so that overriding a default is never warned about.
func plannedOptions(_ socketOptions: String) throws -> [PlannedSocketOption] {
    let plan = try planConfig(listenerConfig(socketOptions: socketOptions, listenerFields: "enable_reuse_port: false"))
    let listener = try #require(plan.listeners.first)
    return listener.socketOptions.filter { $0.source.hasPrefix("static_resources.listeners[0].socket_options[") }
}

/// The source of the TCP_USER_TIMEOUT Lifeline derives from the keepalive schedule.
let derivedSource = "default (keepalive_time + keepalive_interval × keepalive_probes)"

/// SOL_SOCKET/SO_REUSEADDR (Linux: level 1, name 2) at STATE_PREBIND.
func reuseAddress(_ value: Int32 = 1, _ state: SocketState = .prebind) -> SocketOption {
    SocketOption(level: 1, name: 2, value: .int(value), state: state)
}

/// SOL_SOCKET/SO_REUSEPORT (1, 15).
func reusePort(_ value: Int32 = 1, _ state: SocketState = .prebind) -> SocketOption {
    SocketOption(level: 1, name: 15, value: .int(value), state: state)
}

/// SOL_SOCKET/SO_KEEPALIVE (1, 9).
func keepalive(_ value: Int32, _ state: SocketState) -> SocketOption {
    SocketOption(level: 1, name: 9, value: .int(value), state: state)
}

/// IPPROTO_TCP/TCP_KEEPIDLE (6, 4).
func keepIdle(_ value: Int32, _ state: SocketState) -> SocketOption {
    SocketOption(level: 6, name: 4, value: .int(value), state: state)
}

/// IPPROTO_TCP/TCP_KEEPINTVL (6, 5).
func keepInterval(_ value: Int32, _ state: SocketState) -> SocketOption {
    SocketOption(level: 6, name: 5, value: .int(value), state: state)
}

/// IPPROTO_TCP/TCP_KEEPCNT (6, 6).
func keepCount(_ value: Int32, _ state: SocketState) -> SocketOption {
    SocketOption(level: 6, name: 6, value: .int(value), state: state)
}

/// IPPROTO_TCP/TCP_USER_TIMEOUT (6, 18), in milliseconds.
func userTimeout(_ value: Int32, _ state: SocketState) -> SocketOption {
    SocketOption(level: 6, name: 18, value: .int(value), state: state)
}

/// Lifeline's keepalive when a config says nothing: on, 15 s idle, 15 s between 3 probes, a 60 s user timeout.
func defaultKeepalive(_ state: SocketState) -> [SocketOption] {
    [keepalive(1, state), keepIdle(15, state), keepInterval(15, state), keepCount(3, state), userTimeout(60000, state)]
}

/// The sources of ``defaultKeepalive(_:)``.
let defaultKeepaliveSources = ["default", "default", "default", "default", derivedSource]
