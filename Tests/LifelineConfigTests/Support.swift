import Foundation
import LifelineConfig
import LifelineTestSupport
import Testing

/// Parses `text` as the file `file` and decodes it as a bootstrap; throws the `ConfigError` if there is one.
func decodeBootstrap(_ text: String, file: String = "x.yaml") throws -> Bootstrap {
    let tree = try ConfigLoader.parseDocument(text, file: file)
    let (bootstrap, warnings) = try Bootstrap.decode(tree)
    #expect(warnings.isEmpty)
    return bootstrap
}

/// The diagnostics of a config that must not load; records an issue if it loads.
func decodeErrors(
    _ text: String,
    file: String = "x.yaml",
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> [ConfigDiagnostic] {
    rejectionDiagnostics("expected the config to be rejected", sourceLocation: sourceLocation) {
        () throws(ConfigError) in
        _ = try Bootstrap.decode(try ConfigLoader.parseDocument(text, file: file))
    }
}

/// Expects exactly one diagnostic, an error, with this path and message (and line, when given).
func expectSingleError(
    _ text: String,
    path: String,
    message: String,
    line: Int? = nil,
    file: String = "x.yaml",
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let diagnostics = decodeErrors(text, file: file, sourceLocation: sourceLocation)
    #expect(diagnostics.count == 1, "\(diagnostics)", sourceLocation: sourceLocation)
    guard let diagnostic = diagnostics.first else { return }
    #expect(diagnostic.severity == .error, sourceLocation: sourceLocation)
    #expect(diagnostic.path == path, sourceLocation: sourceLocation)
    #expect(diagnostic.message == message, sourceLocation: sourceLocation)
    if let line {
        #expect(diagnostic.location?.file == file, sourceLocation: sourceLocation)
        #expect(diagnostic.location?.line == line, sourceLocation: sourceLocation)
    }
}

/// A valid bootstrap: listener `main` on 0.0.0.0:8443 proxying to STATIC cluster `backend` at 10.0.0.1:8080.
///
/// `listenerFields` (YAML at listener level, unindented) is added after the listener's `address`, `proxyFields` to
/// the tcp_proxy `typed_config` and `clusterFields` to the cluster. The listener's first added line is line 6.
func singleListenerConfig(listenerFields: String = "", proxyFields: String = "", clusterFields: String = "") -> String {
    """
    static_resources:
      listeners:
      - name: main
        address:
          socket_address: { address: 0.0.0.0, port_value: 8443 }
    \(indented(listenerFields, by: 4))
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: main
              cluster: backend
    \(indented(proxyFields, by: 10))
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

/// The socket options of the single listener of `singleListenerConfig(listenerFields:)`.
func decodeSocketOptions(_ socketOptions: String) throws -> [SocketOptionConfig] {
    let bootstrap = try decodeBootstrap(singleListenerConfig(listenerFields: "socket_options:\n" + socketOptions))
    return try #require(bootstrap.listeners.first).socketOptions
}

extension String {
    /// This string with the first occurrence of `target` replaced; records an issue when `target` is absent.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else {
            Issue.record("fixture does not contain \(target)")
            return self
        }
        return replacingCharacters(in: range, with: replacement)
    }
}
