import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

/// Parses EnvoyFilter YAML as the file `file`.
func parseFilters(_ text: String, file: String = "filter.yaml") throws -> [EnvoyFilter] {
    try EnvoyFilterLoader.parse(text, file: file).filters
}

/// The errors in EnvoyFilter YAML that must not load, or must not apply if the gateway selected every filter and
/// patch in it: what the loader throws, or else the filters' spec errors. Records an issue if there are none.
func loadErrors(
    _ text: String,
    file: String = "filter.yaml",
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> [ConfigDiagnostic] {
    rejectionDiagnostics("expected the filter to be rejected", sourceLocation: sourceLocation) {
        () throws(ConfigError) in
        let errors = try EnvoyFilterLoader.parse(text, file: file).filters.flatMap(\.errors)
        if !errors.isEmpty { throw ConfigError(diagnostics: errors) }
    }
}

/// Applies the filters in `filterText` to the bootstrap `bootstrapText` for a gateway with `labels` (in
/// `istio-system`, the root namespace).
func applyFilters(
    _ filterText: String,
    to bootstrapText: String = gatewayBootstrap,
    labels: [String: String] = [:]
) throws -> (tree: ConfigTree, warnings: [ConfigDiagnostic]) {
    let outcome = try applyOutcome(filterText, to: bootstrapText, gateway: GatewayIdentity(labels: labels))
    return (outcome.tree, outcome.warnings)
}

/// Applies the filters in `filterText` to the bootstrap `bootstrapText` for `gateway`.
func applyOutcome(
    _ filterText: String,
    to bootstrapText: String = gatewayBootstrap,
    gateway: GatewayIdentity = GatewayIdentity()
) throws -> EnvoyFilterApplier.Outcome {
    let filters = try parseFilters(filterText)
    let bootstrap = try ConfigLoader.parseDocument(bootstrapText, file: "bootstrap.yaml")
    return try EnvoyFilterApplier.apply(filters, to: bootstrap, gateway: gateway)
}

/// The errors applying the filters raises; records an issue if it succeeds.
func applyErrors(
    _ filterText: String,
    to bootstrapText: String = gatewayBootstrap,
    gateway: GatewayIdentity = GatewayIdentity(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> [ConfigDiagnostic] {
    let filters = try parseFilters(filterText)
    let bootstrap = try ConfigLoader.parseDocument(bootstrapText, file: "bootstrap.yaml")
    do {
        _ = try EnvoyFilterApplier.apply(filters, to: bootstrap, gateway: gateway)
        Issue.record("expected applying to fail", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

/// One EnvoyFilter document in `istio-system` whose `spec` is `spec` (YAML at spec level, unindented). The spec's
/// first line is line 7.
func envoyFilter(_ name: String = "gw", namespace: String = "istio-system", spec: String) -> String {
    """
    apiVersion: networking.istio.io/v1alpha3
    kind: EnvoyFilter
    metadata:
      name: \(name)
      namespace: \(namespace)
    spec:
    \(indented(spec, by: 2))
    """
}

/// An EnvoyFilter with one config patch (`applyTo`, `match` and `patch` as YAML, unindented).
func singlePatchFilter(_ name: String = "gw", applyTo: String, match: String? = nil, patch: String) -> String {
    var lines = ["configPatches:", "- applyTo: \(applyTo)"]
    if let match {
        lines += ["  match:", indented(match, by: 4)]
    }
    lines += ["  patch:", indented(patch, by: 4)]
    return envoyFilter(name, spec: lines.joined(separator: "\n"))
}

/// `document` as an element of a YAML list: `- ` before its first line, the rest indented to match.
func listItem(_ document: String) -> String {
    "- " + indented(document, by: 2).dropFirst(2)
}

/// A gateway bootstrap that decodes: listener `0.0.0.0_8443` (named so) and an unnamed listener on 0.0.0.0:9443,
/// each with one chain `main` holding a tcp_proxy to cluster `backend` (10.0.0.1:8080).
let gatewayBootstrap = """
    static_resources:
      listeners:
      - name: 0.0.0.0_8443
        address:
          socket_address: { address: 0.0.0.0, port_value: 8443 }
        filter_chains:
        - name: main
          filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: public
              cluster: backend
      - address:
          socket_address: { address: 0.0.0.0, port_value: 9443 }
        filter_chains:
        - name: main
          filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: other
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

/// A filter-chain filter (network filter) for tests: `{name: <name>}`, which is all tests look at.
func filterNames(_ tree: ConfigTree, listener: Int = 0, chain: Int = 0) -> [String?] {
    let filters = tree.node("static_resources.listeners[\(listener)].filter_chains[\(chain)].filters")
    return filters?.elements?.map { $0["name"]?.stringValue } ?? []
}

extension ConfigTree {
    /// The node at a dotted path such as `static_resources.listeners[0].name` (keys exactly as written).
    func node(_ path: String) -> ConfigTree? {
        var current: ConfigTree? = self
        for part in path.split(separator: ".") {
            var key = Substring(part)
            var indices: [Int] = []
            while let open = key.lastIndex(of: "["), key.last == "]" {
                indices.insert(Int(key[key.index(after: open)..<key.index(before: key.endIndex)])!, at: 0)
                key = key[..<open]
            }
            if !key.isEmpty { current = current?[String(key)] }
            for index in indices {
                guard let elements = current?.elements, elements.indices.contains(index) else { return nil }
                current = elements[index]
            }
        }
        return current
    }

    var stringValue: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    var numberText: String? {
        if case .number(let text) = value { return text }
        return nil
    }
}

/// The URL of a fixture file.
func fixtureURL(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
}
