import LifelineConfig
import LifelinePlan
import Testing

#if os(Linux)
    /// The option numbers asserted here are Linux's (socket(7), tcp(7), ip(7)).
    let onLinux = true
#else
    let onLinux = false
#endif

/// Parses, decodes and plans `text`; throws the first stage's `ConfigError`.
func planConfig(_ text: String, file: String = "x.yaml") throws -> GatewayPlan {
    let tree = try ConfigLoader.parseDocument(text, file: file)
    let (bootstrap, decodeWarnings) = try Bootstrap.decode(tree)
    let (plan, planWarnings) = try GatewayPlanner.plan(bootstrap)
    #expect(decodeWarnings.isEmpty)
    #expect(planWarnings.isEmpty)
    return plan
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

/// Indents every line of `text` by `spaces`.
func indented(_ text: String, by spaces: Int) -> String {
    let pad = String(repeating: " ", count: spaces)
    return text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : pad + $0 }
        .joined(separator: "\n")
}

/// A valid bootstrap: listener `main` on 0.0.0.0:8443 with `socketOptions` (a YAML list, unindented; its first entry
/// is on line 7) and `listenerFields`, proxying to STATIC cluster `backend` at 10.0.0.1:8080.
func listenerConfig(socketOptions: String = "", listenerFields: String = "") -> String {
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
    """
}

/// The planned options of the one listener of `listenerConfig`, without the two defaults Lifeline adds first.
func plannedOptions(_ socketOptions: String) throws -> [PlannedSocketOption] {
    let plan = try planConfig(listenerConfig(socketOptions: socketOptions))
    let listener = try #require(plan.listeners.first)
    try #require(listener.socketOptions.count >= 2)
    #expect(listener.socketOptions.prefix(2).map(\.source) == ["default", "enable_reuse_port"])
    return Array(listener.socketOptions.dropFirst(2))
}
