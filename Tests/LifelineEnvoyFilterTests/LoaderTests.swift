import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

@Suite("Loading EnvoyFilter files")
struct LoaderTests {
    static let listenerMerge = """
        configPatches:
        - applyTo: LISTENER
          patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 32768 } }
        """

    @Test func defaults() throws {
        let text = """
            apiVersion: networking.istio.io/v1alpha3
            kind: EnvoyFilter
            metadata: { name: plain }
            spec:
              configPatches:
              - applyTo: CLUSTER
                patch: { operation: REMOVE }
            """
        let filter = try #require(try parseFilters(text).first)
        #expect(filter.name == "plain")
        #expect(filter.namespace == "default")
        #expect(filter.qualifiedName == "default/plain")
        #expect(filter.priority == 0)
        #expect(filter.workloadSelector.isEmpty)
        #expect(filter.origin.path == "")
        #expect(filter.origin.location?.line == 1)
        let patch = try #require(filter.configPatches.first)
        #expect(patch.applyTo == .cluster)
        #expect(patch.operation == .remove)
        #expect(patch.value == nil)
        #expect(patch.match.context == .any)
        #expect(patch.match.listener == nil && patch.match.cluster == nil)
        #expect(patch.origin.path == "spec.configPatches[0]")
        #expect(patch.origin.location?.line == 6)
    }

    @Test func apiVersion() throws {
        #expect(try parseFilters(envoyFilter(spec: Self.listenerMerge)).map(\.name) == ["gw"])
    }

    /// Istio's CRD serves EnvoyFilter as v1alpha3 only: `kubectl apply` refuses the others, so such a file is wrong
    /// whatever gateway reads it.
    @Test(arguments: ["networking.istio.io/v1beta1", "networking.istio.io/v1"])
    func otherAPIVersionsAreErrors(_ version: String) throws {
        let text = envoyFilter(spec: Self.listenerMerge).replacingOccurrences(
            of: "networking.istio.io/v1alpha3",
            with: version
        )
        #expect(
            loadErrors(text).map(\.description) == [
                "apiVersion: Istio serves EnvoyFilter only as networking.istio.io/v1alpha3, not \"\(version)\" "
                    + "(filter.yaml:1:13)"
            ]
        )
    }

    @Test func everyFieldInBothSpellings() throws {
        let camel = """
            apiVersion: networking.istio.io/v1alpha3
            kind: EnvoyFilter
            metadata: { name: camel, namespace: edge }
            spec:
              workloadSelector: { labels: { istio: ingressgateway } }
              priority: -5
              configPatches:
              - applyTo: NETWORK_FILTER
                match:
                  context: GATEWAY
                  listener:
                    name: 0.0.0.0_8443
                    portNumber: 8443
                    filterChain: { name: main, filter: { name: envoy.filters.network.tcp_proxy } }
                patch: { operation: INSERT_BEFORE, value: { name: extra } }
              - applyTo: CLUSTER
                match: { context: ANY, cluster: { name: backend } }
                patch: { operation: MERGE, value: { connect_timeout: 1s }, filterClass: UNSPECIFIED }
            """
        let snake = camel.replacingOccurrences(of: "workloadSelector", with: "workload_selector")
            .replacingOccurrences(of: "configPatches", with: "config_patches")
            .replacingOccurrences(of: "applyTo", with: "apply_to")
            .replacingOccurrences(of: "portNumber", with: "port_number")
            .replacingOccurrences(of: "filterChain", with: "filter_chain")
            .replacingOccurrences(of: "filterClass", with: "filter_class")
        #expect(snake != camel)
        for text in [camel, snake] {
            let filter = try #require(try parseFilters(text).first)
            #expect(filter.qualifiedName == "edge/camel")
            #expect(filter.workloadSelector == ["istio": "ingressgateway"])
            #expect(filter.priority == -5)
            try #require(filter.configPatches.count == 2)
            let first = filter.configPatches[0]
            #expect(first.applyTo == .networkFilter)
            #expect(first.operation == .insertBefore)
            #expect(first.match.context == .gateway)
            #expect(first.match.listener?.name == "0.0.0.0_8443")
            #expect(first.match.listener?.portNumber == 8443)
            #expect(first.match.listener?.filterChain?.name == "main")
            #expect(first.match.listener?.filterChain?.filterName == "envoy.filters.network.tcp_proxy")
            #expect(filter.configPatches[1].match.cluster?.name == "backend")
            #expect(filter.warnings.isEmpty)
        }
    }

    @Test func enumsByNumberAndQuotedIntegers() throws {
        let text = envoyFilter(
            spec: """
                priority: "7"
                configPatches:
                - applyTo: 1
                  match: { context: 3, listener: { portNumber: "8443" } }
                  patch: { operation: 1, value: { name: renamed } }
                - applyTo: 8
                  patch: { operation: 3 }
                """
        )
        let filter = try #require(try parseFilters(text).first)
        #expect(filter.priority == 7)
        #expect(filter.configPatches.map(\.applyTo) == [.listener, .cluster])
        #expect(filter.configPatches.map(\.operation) == [.merge, .remove])
        #expect(filter.configPatches[0].match.context == .gateway)
        #expect(filter.configPatches[0].match.listener?.portNumber == 8443)
    }

    @Test func emptyMatchValuesMatchAnything() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: CLUSTER
                  match: { cluster: { name: "", portNumber: 0 } }
                  patch: { operation: REMOVE }
                """
        )
        let match = try #require(try parseFilters(text).first?.configPatches.first?.match.cluster)
        #expect(match.name == nil)
        #expect(match.portNumber == nil)
    }

    @Test func severalDocumentsAreNumberedInOrderAndNamed() throws {
        let text = [
            envoyFilter("first", spec: Self.listenerMerge),
            envoyFilter("second", spec: Self.listenerMerge),
            "",
        ].joined(separator: "\n---\n")
        let filters = try parseFilters(text)
        #expect(filters.map(\.name) == ["first", "second"])
        #expect(filters.map(\.sourceOrder) == [0, 1])
        #expect(filters.map(\.origin.path) == ["istio-system/first", "istio-system/second"])
        #expect(filters[1].configPatches[0].origin.path == "istio-system/second: spec.configPatches[0]")
    }

    @Test func aListOfFilters() throws {
        let text = """
            apiVersion: v1
            kind: List
            metadata: { resourceVersion: "" }
            items:
            \(listItem(envoyFilter("one", spec: Self.listenerMerge)))
            \(listItem(envoyFilter("two", spec: Self.listenerMerge)))
            """
        let filters = try parseFilters(text)
        #expect(filters.map(\.qualifiedName) == ["istio-system/one", "istio-system/two"])
        #expect(filters.map(\.sourceOrder) == [0, 1])
        #expect(filters[0].origin.path == "istio-system/one")
    }

    @Test func kubectlOutputWithStatusAndMetadataBookkeeping() throws {
        let text = """
            apiVersion: networking.istio.io/v1alpha3
            kind: EnvoyFilter
            metadata:
              annotations: { kubectl.kubernetes.io/last-applied-configuration: "{}" }
              creationTimestamp: "2024-05-01T10:00:00Z"
              generation: 3
              labels: { istio.io/rev: default }
              name: keepalive
              namespace: istio-system
              resourceVersion: "12345"
              uid: 0b7c2a6e-0000-0000-0000-000000000000
            spec:
            \(indented(Self.listenerMerge, by: 2))
            status: {}
            """
        #expect(try parseFilters(text).map(\.qualifiedName) == ["istio-system/keepalive"])
    }

    @Test func filesAreNumberedInTheOrderGiven() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("envoyfilter-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = directory.appendingPathComponent("a.yaml")
        let b = directory.appendingPathComponent("b.yaml")
        try envoyFilter("from-a", spec: Self.listenerMerge).write(to: a, atomically: true, encoding: .utf8)
        try [envoyFilter("from-b1", spec: Self.listenerMerge), envoyFilter("from-b2", spec: Self.listenerMerge)]
            .joined(separator: "\n---\n").write(to: b, atomically: true, encoding: .utf8)
        let filters = try EnvoyFilterLoader.load(paths: [b.path, a.path]).filters
        #expect(filters.map(\.name) == ["from-b1", "from-b2", "from-a"])
        #expect(filters.map(\.sourceOrder) == [0, 1, 2])
        #expect(filters[2].origin.location?.file == a.path)
        #expect(filters[2].origin.path == "")
    }

    @Test func errorsFromEveryFileAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("envoyfilter-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.yaml")
        try "spec: [unclosed\n".write(to: bad, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing.yaml").path
        do {
            _ = try EnvoyFilterLoader.load(paths: [bad.path, missing])
            Issue.record("expected errors")
        } catch {
            #expect(error.diagnostics.count == 2)
            #expect(error.diagnostics.first?.location?.file == bad.path)
            #expect(error.diagnostics.first?.message.hasPrefix("syntax error") == true)
            #expect(
                error.diagnostics.last?.message == "cannot read EnvoyFilter file \(missing): No such file or directory"
            )
        }
    }
}
