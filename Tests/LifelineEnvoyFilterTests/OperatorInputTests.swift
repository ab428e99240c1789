import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// EnvoyFilters as operators have them: `kubectl get envoyfilter -A -o yaml`, with the API server's bookkeeping and
/// filters for every kind of workload in it.
@Suite("kubectl get -o yaml output")
struct OperatorInputTests {
    static func loadFixture() throws -> (filters: [EnvoyFilter], warnings: [ConfigDiagnostic], path: String) {
        let path = try fixtureURL("kubectl-get-envoyfilters.yaml").path
        let (filters, warnings) = try EnvoyFilterLoader.load(paths: [path])
        return (filters, warnings, path)
    }

    @Test func theListLoadsWithItsBookkeeping() throws {
        let (filters, warnings, _) = try Self.loadFixture()
        #expect(warnings.isEmpty)
        #expect(
            filters.map(\.qualifiedName) == [
                "istio-system/ingress-keepalive", "istio-system/stats-tags", "bookinfo/reviews-lua",
                "istio-system/egress-connect-timeout", "istio-system/ingress-buffer-1-27",
            ]
        )
        #expect(filters.map(\.sourceOrder) == [0, 1, 2, 3, 4])
        #expect(filters[0].origin.path == "istio-system/ingress-keepalive")
        #expect(filters[0].errors.isEmpty)
        // Sidecar and HTTP filters are in there too, and read as well as the gateway's.
        #expect(filters[1].errors.isEmpty)
        #expect(filters[2].errors.isEmpty)
    }

    @Test func theIngressGatewayGetsItsFilterAndTheRestAreListed() throws {
        let (filters, _, path) = try Self.loadFixture()
        let bootstrap = try ConfigLoader.parseDocument(gatewayBootstrap, file: "bootstrap.yaml")
        let outcome = try EnvoyFilterApplier.apply(
            filters,
            to: bootstrap,
            gateway: GatewayIdentity(labels: ["istio": "ingressgateway", "app": "istio-ingressgateway"])
        )
        #expect(outcome.warnings.isEmpty)
        let option = try #require(outcome.tree.node("static_resources.listeners[0].socket_options[0]"))
        #expect(option.provenance == "EnvoyFilter istio-system/ingress-keepalive patch 0")
        #expect(option.location?.file == path)
        #expect(outcome.tree.node("static_resources.listeners[0].per_connection_buffer_limit_bytes") == nil)
        #expect(
            outcome.notSelected.map(\.description) == [
                "istio-system/stats-tags patch 0: not selected: context SIDECAR_INBOUND does not apply to a gateway",
                "istio-system/stats-tags patch 1: not selected: context SIDECAR_OUTBOUND does not apply to a gateway",
                "istio-system/egress-connect-timeout: not selected: workloadSelector istio=egressgateway is not "
                    + "among the gateway's labels",
                "istio-system/ingress-buffer-1-27: not selected: proxyVersion ^1\\.27.* does not match the gateway's "
                    + "Istio version, 1.28.0",
                "bookinfo/reviews-lua: not selected: namespace bookinfo is neither the root namespace nor the "
                    + "gateway's, istio-system",
            ]
        )
    }

    /// The Lua filter is for workloads labelled `app: reviews` in `bookinfo`; a gateway there gets it in front of its
    /// HTTP filters (INSERT_BEFORE without a subFilter), in every HTTP connection manager.
    @Test func aGatewayTheLuaFilterSelectsGetsIt() throws {
        let (filters, _, path) = try Self.loadFixture()
        let bootstrap = try ConfigLoader.parseDocument(httpBootstrap, file: "bootstrap.yaml")
        let outcome = try EnvoyFilterApplier.apply(
            filters,
            to: bootstrap,
            gateway: GatewayIdentity(labels: ["app": "reviews"], namespace: "bookinfo")
        )
        #expect(shortNames(httpFilterNames(outcome.tree, listener: 0)) == ["lua", "cors", "router"])
        #expect(shortNames(httpFilterNames(outcome.tree, listener: 1)) == ["lua", "router"])
        let lua = try #require(httpFilters(outcome.tree, listener: 0).first)
        #expect(lua.provenance == "EnvoyFilter bookinfo/reviews-lua patch 0")
        #expect(lua.location?.file == path)
        #expect(outcome.warnings.isEmpty)
    }

    @Test func documentsAndListsMixed() throws {
        let text = [
            envoyFilter("first", spec: "{}"),
            """
            apiVersion: v1
            kind: List
            items:
            - { apiVersion: v1, kind: Service, metadata: { name: istio-ingressgateway, namespace: istio-system } }
            \(listItem(envoyFilter("second", spec: "{}")))
            """,
        ].joined(separator: "\n---\n")
        let (filters, warnings) = try EnvoyFilterLoader.parse(text, file: "all.yaml")
        #expect(filters.map(\.name) == ["first", "second"])
        #expect(filters.map(\.sourceOrder) == [0, 1])
        #expect(
            warnings.map(\.description) == [
                "warning: all.yaml document 2 items[0]: skipped: kind Service is not EnvoyFilter (all.yaml:12:27)"
            ]
        )
    }

    @Test func aSkippedResourceDoesNotHideErrorsElsewhere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("envoyfilter-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let mixed = directory.appendingPathComponent("mixed.yaml")
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n".write(
            to: mixed,
            atomically: true,
            encoding: .utf8
        )
        let beta = directory.appendingPathComponent("beta.yaml")
        try envoyFilter(spec: "{}").replacingOccurrences(of: "v1alpha3", with: "v1beta1")
            .write(to: beta, atomically: true, encoding: .utf8)
        do {
            _ = try EnvoyFilterLoader.load(paths: [mixed.path, beta.path])
            Issue.record("expected the v1beta1 filter to be an error")
        } catch {
            #expect(error.diagnostics.map(\.severity) == [.warning, .error])
            #expect(error.diagnostics.last?.message.hasPrefix("Istio serves EnvoyFilter only as") == true)
        }
    }
}
