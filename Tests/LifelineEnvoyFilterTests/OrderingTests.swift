import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// Istio's order: priority, then root namespace first, then creation (for Lifeline: file and document order), then
/// `name.namespace`.
@Suite("Order of application")
struct OrderingTests {
    /// A filter appending one socket option named `option` to listener 0.0.0.0_8443; the options' order in the result
    /// is the order the filters ran.
    static func appending(_ option: Int, name: String, namespace: String = "istio-system", priority: Int? = nil)
        -> String
    {
        envoyFilter(
            name,
            namespace: namespace,
            spec: (priority.map { "priority: \($0)\n" } ?? "") + """
                configPatches:
                - applyTo: LISTENER
                  match: { listener: { name: 0.0.0.0_8443 } }
                  patch: { operation: MERGE, value: { socket_options: [ { level: 1, name: \(option), int_value: 1 } ] } }
                """
        )
    }

    private func optionOrder(
        _ filters: [EnvoyFilter],
        gateway: GatewayIdentity = GatewayIdentity()
    ) throws -> [String?] {
        let bootstrap = try ConfigLoader.parseDocument(gatewayBootstrap, file: "bootstrap.yaml")
        let outcome = try EnvoyFilterApplier.apply(filters, to: bootstrap, gateway: gateway)
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.notSelected.isEmpty)
        return outcome.tree.node("static_resources.listeners[0].socket_options")?.elements?.map {
            $0["name"]?.numberText
        } ?? []
    }

    @Test func lowerPriorityFirst() throws {
        let text = [
            Self.appending(1, name: "a", priority: 10),
            Self.appending(2, name: "b"),
            Self.appending(3, name: "c", priority: -10),
            Self.appending(4, name: "d", priority: 2_147_483_647),
            Self.appending(5, name: "e", priority: -2_147_483_648),
        ].joined(separator: "\n---\n")
        #expect(try optionOrder(try parseFilters(text)) == ["5", "3", "2", "1", "4"])
    }

    @Test func thenDocumentOrderBeforeName() throws {
        let text = [Self.appending(1, name: "zeta"), Self.appending(2, name: "alpha")].joined(separator: "\n---\n")
        #expect(try optionOrder(try parseFilters(text)) == ["1", "2"])
        // Handing the applier the filters in another order changes nothing: the order is the filters' own.
        #expect(try optionOrder(try parseFilters(text).reversed()) == ["1", "2"])
    }

    @Test func thenNameDotNamespaceWhenSourceOrderTies() throws {
        // Separate loads number from 0 each, so these tie on priority and source order.
        let filters = [
            try parseFilters(Self.appending(1, name: "b.x", namespace: "edge")),
            try parseFilters(Self.appending(2, name: "c", namespace: "edge")),
            try parseFilters(Self.appending(3, name: "b", namespace: "edge")),
        ].flatMap { $0 }
        #expect(filters.map(\.sourceOrder) == [0, 0, 0])
        // "b.edge" < "b.x.edge" < "c.edge", as istiod compares name.namespace.
        #expect(try optionOrder(filters, gateway: GatewayIdentity(namespace: "edge")) == ["3", "1", "2"])
    }

    @Test func filesInTheOrderGiven() throws {
        let filters = try EnvoyFilterLoaderFiles.load([
            Self.appending(1, name: "a"),
            [Self.appending(2, name: "b"), Self.appending(3, name: "c", priority: -1)].joined(separator: "\n---\n"),
        ])
        #expect(try optionOrder(filters.reversed()) == ["3", "1", "2"])
    }

    @Test func patchesWithinAFilterInTheOrderWritten() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENER
                  patch: { operation: MERGE, value: { socket_options: [ { level: 1, name: 1, int_value: 1 } ] } }
                - applyTo: LISTENER
                  patch: { operation: MERGE, value: { socket_options: [ { level: 1, name: 2, int_value: 1 } ] } }
                """
        )
        #expect(try optionOrder(try parseFilters(text)) == ["1", "2"])
    }

    /// istiod walks objects top down: a listener's LISTENER patches run before its FILTER_CHAIN patches, whatever the
    /// priorities say.
    @Test func listenerPatchesRunBeforeFilterChainPatches() throws {
        let text = [
            envoyFilter(
                "chains",
                spec: """
                    priority: -10
                    configPatches:
                    - applyTo: FILTER_CHAIN
                      match: { listener: { portNumber: 8443, filterChain: { name: second } } }
                      patch: { operation: MERGE, value: { filters: [ { name: late } ] } }
                    """
            ),
            envoyFilter(
                "listeners",
                spec: """
                    priority: 10
                    configPatches:
                    - applyTo: LISTENER
                      match: { listener: { portNumber: 8443 } }
                      patch: { operation: MERGE, value: { filter_chains: [ { name: second, filters: [ { name: f } ] } ] } }
                    """
            ),
        ].joined(separator: "\n---\n")
        let (tree, warnings) = try applyFilters(text)
        #expect(warnings.isEmpty)
        #expect(filterNames(tree, chain: 1) == ["f", "late"])
    }
}

/// Writes documents to temporary files and loads them in that order.
enum EnvoyFilterLoaderFiles {
    static func load(_ contents: [String]) throws -> [EnvoyFilter] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("envoyfilter-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, text) in contents.enumerated() {
            let url = directory.appendingPathComponent("\(index).yaml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            paths.append(url.path)
        }
        return try EnvoyFilterLoader.load(paths: paths).filters
    }
}
