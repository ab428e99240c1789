import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// The original document's EnvoyFilter, byte for byte: downstream keepalive on the gateway's 8443 listener.
@Suite("The seed EnvoyFilter")
struct SeedFixtureTests {
    static let provenance = "EnvoyFilter istio-system/istio-ingressgateway patch 0"

    /// A gateway whose listener already sets SO_REUSEADDR before bind; `name` is the listener's name line, if any.
    static func bootstrap(nameLine: String?) -> String {
        """
        static_resources:
          listeners:
          - \(nameLine.map { $0 + "\n    " } ?? "")address:
              socket_address: { address: 0.0.0.0, port_value: 8443 }
            socket_options:
            - { level: SOL_SOCKET, name: SO_REUSEADDR, int_value: 1, state: STATE_PREBIND }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: public
                  cluster: backend
          clusters:
          - name: backend
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
        """
    }

    static func loadSeed() throws -> (filters: [EnvoyFilter], path: String) {
        let path = try fixtureURL("seed-envoyfilter.yaml").path
        return (try EnvoyFilterLoader.load(paths: [path]).filters, path)
    }

    @Test func loadsAsWritten() throws {
        let (filters, _) = try Self.loadSeed()
        let filter = try #require(filters.first)
        #expect(filters.count == 1)
        #expect(filter.qualifiedName == "istio-system/istio-ingressgateway")
        #expect(filter.priority == 0)
        #expect(filter.workloadSelector.isEmpty)
        #expect(filter.warnings.isEmpty)
        let patch = try #require(filter.configPatches.first)
        #expect(patch.applyTo == .listener)
        #expect(patch.operation == .merge)
        #expect(patch.match.context == .gateway)
        #expect(patch.match.listener?.name == "0.0.0.0_8443")
        #expect(patch.match.listener?.portNumber == 8443)
        #expect(patch.value?["socket_options"]?.elements?.count == 4)
    }

    @Test(arguments: ["name: 0.0.0.0_8443", nil])
    func appendsTheFourKeepaliveOptionsAfterTheListenersOwn(_ nameLine: String?) throws {
        let (filters, seedPath) = try Self.loadSeed()
        let bootstrap = try ConfigLoader.parseDocument(Self.bootstrap(nameLine: nameLine), file: "bootstrap.yaml")
        let outcome = try EnvoyFilterApplier.apply(filters, to: bootstrap)
        let patched = outcome.tree
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        #expect(outcome.notSelected.isEmpty)

        let (decoded, decodeWarnings) = try Bootstrap.decode(patched)
        #expect(decodeWarnings.isEmpty)
        let listener = try #require(decoded.listeners.first)
        #expect(listener.name == "0.0.0.0_8443")
        let options = listener.socketOptions
        try #require(options.count == 5)
        #expect(options[0].level == .symbol("SOL_SOCKET"))
        #expect(options[0].name == .symbol("SO_REUSEADDR"))
        #expect(options[0].state == .prebind)
        let appended = Array(options[1...])
        #expect(appended.map(\.level) == [.number(1), .number(6), .number(6), .number(6)])
        #expect(appended.map(\.name) == [.number(9), .number(4), .number(5), .number(6)])
        #expect(appended.map(\.value) == [.int(1), .int(15), .int(15), .int(3)])
        #expect(appended.allSatisfy { $0.state == .listening })
        // Decode errors and plans point into the filter file for the appended options.
        #expect(options[0].origin.location?.file == "bootstrap.yaml")
        #expect(appended.allSatisfy { $0.origin.location?.file == seedPath })
        #expect(appended.map { $0.origin.location?.line } == [23, 30, 36, 42])
        #expect(appended.allSatisfy { $0.origin.provenance == Self.provenance })
        #expect(options[0].origin.provenance == nil)

        let trees = try #require(patched.node("static_resources.listeners[0].socket_options")?.elements)
        #expect(trees.map(\.provenance) == [nil] + Array(repeating: Self.provenance, count: 4))
        #expect(patched.node("static_resources.listeners[0].socket_options")?.provenance == nil)
        #expect(patched.node("static_resources.listeners[0]")?.provenance == nil)
    }

    @Test func leavesAListenerOnAnotherPortAloneAndSaysSo() throws {
        let (filters, seedPath) = try Self.loadSeed()
        let text = Self.bootstrap(nameLine: nil).replacingOccurrences(of: "port_value: 8443", with: "port_value: 9443")
        let bootstrap = try ConfigLoader.parseDocument(text, file: "bootstrap.yaml")
        let outcome = try EnvoyFilterApplier.apply(filters, to: bootstrap)
        let (patched, warnings) = (outcome.tree, outcome.warnings)
        #expect(patched == bootstrap)
        #expect(
            warnings.map(\.description) == [
                "warning: EnvoyFilter istio-system/istio-ingressgateway patch 0 (applyTo LISTENER, listener 0.0.0.0_8443) "
                    + "matched nothing (\(seedPath):10:5)"
            ]
        )
    }
}
