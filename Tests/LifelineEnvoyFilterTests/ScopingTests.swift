import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

/// istiod's scoping: root-namespace filters reach every workload they select; others only their own namespace.
@Suite("Which namespaces' filters apply to this gateway")
struct ScopingTests {
    static let merge = """
        configPatches:
        - applyTo: LISTENER
          match: { listener: { portNumber: 8443 } }
          patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
        """

    /// Whether the filter changed listener 0, and the outcome.
    private func applied(_ text: String, _ gateway: GatewayIdentity) throws -> (Bool, EnvoyFilterApplier.Outcome) {
        let outcome = try applyOutcome(text, gateway: gateway)
        return (outcome.tree.node("static_resources.listeners[0].per_connection_buffer_limit_bytes") != nil, outcome)
    }

    @Test(arguments: ["istio-system", "edge"])
    func rootNamespaceFiltersApplyToEveryGateway(_ namespace: String) throws {
        let (didApply, outcome) = try applied(envoyFilter(spec: Self.merge), GatewayIdentity(namespace: namespace))
        #expect(didApply)
        #expect(outcome.notSelected.isEmpty)
    }

    @Test func filtersInTheGatewaysNamespaceApply() throws {
        let text = envoyFilter(namespace: "edge", spec: Self.merge)
        #expect(try applied(text, GatewayIdentity(namespace: "edge")).0)
    }

    @Test func filtersInOtherNamespacesAreNotSelected() throws {
        let text = envoyFilter("team", namespace: "team-a", spec: Self.merge)
        let (didApply, outcome) = try applied(text, GatewayIdentity())
        #expect(!didApply)
        #expect(outcome.warnings.isEmpty)
        #expect(
            outcome.notSelected.map(\.description) == [
                "team-a/team: not selected: namespace team-a is neither the root namespace nor the gateway's, "
                    + "istio-system"
            ]
        )
        let (_, elsewhere) = try applied(text, GatewayIdentity(namespace: "edge", rootNamespace: "mesh-root"))
        #expect(
            elsewhere.notSelected.map(\.description) == [
                "team-a/team: not selected: namespace team-a is neither the root namespace, mesh-root, nor the "
                    + "gateway's, edge"
            ]
        )
    }

    @Test func istioSystemIsNotSpecialWhenTheRootNamespaceIsAnother() throws {
        let text = envoyFilter(spec: Self.merge)
        #expect(!(try applied(text, GatewayIdentity(namespace: "edge", rootNamespace: "mesh-root")).0))
        #expect(try applied(text, GatewayIdentity(rootNamespace: "mesh-root")).0)
    }

    /// `kubectl apply` puts a resource without a namespace into `default`; so does Lifeline.
    @Test func aFilterWithoutANamespaceIsInDefault() throws {
        let text = """
            apiVersion: networking.istio.io/v1alpha3
            kind: EnvoyFilter
            metadata: { name: plain }
            spec:
            \(indented(Self.merge, by: 2))
            """
        let (didApply, outcome) = try applied(text, GatewayIdentity())
        #expect(!didApply)
        #expect(outcome.notSelected.map(\.filterName) == ["default/plain"])
        #expect(try applied(text, GatewayIdentity(namespace: "default")).0)
        #expect(try applied(text, GatewayIdentity(namespace: "edge", rootNamespace: "default")).0)
    }

    @Test func theSelectorStillDecidesInTheGatewaysNamespace() throws {
        let text = envoyFilter(
            "picky",
            namespace: "edge",
            spec: "workloadSelector:\n  labels: { app: edge, istio: ingressgateway }\n" + Self.merge
        )
        let (didApply, outcome) = try applied(
            text,
            GatewayIdentity(labels: ["istio": "ingressgateway"], namespace: "edge")
        )
        #expect(!didApply)
        #expect(
            outcome.notSelected.map(\.description) == [
                "edge/picky: not selected: workloadSelector app=edge is not among the gateway's labels"
            ]
        )
        let (_, none) = try applied(text, GatewayIdentity(namespace: "edge"))
        #expect(
            none.notSelected.map(\.description) == [
                "edge/picky: not selected: workloadSelector app=edge, istio=ingressgateway are not all among the "
                    + "gateway's labels"
            ]
        )
    }
}

/// istiod sorts the filters it picked by priority, then root namespace first, then creation time, then name.
@Suite("Root-namespace filters first at equal priority")
struct RootNamespaceOrderTests {
    private func optionOrder(_ text: String, _ gateway: GatewayIdentity) throws -> [String?] {
        let outcome = try applyOutcome(text, gateway: gateway)
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.notSelected.isEmpty)
        return outcome.tree.node("static_resources.listeners[0].socket_options")?.elements?.map {
            $0["name"]?.numberText
        } ?? []
    }

    @Test func rootNamespaceBeforeTheGatewaysNamespaceWhateverTheFileOrder() throws {
        let text = [
            OrderingTests.appending(1, name: "local", namespace: "edge"),
            OrderingTests.appending(2, name: "global", namespace: "istio-system"),
            OrderingTests.appending(3, name: "local-too", namespace: "edge"),
        ].joined(separator: "\n---\n")
        #expect(try optionOrder(text, GatewayIdentity(namespace: "edge")) == ["2", "1", "3"])
    }

    @Test func priorityStillComesFirst() throws {
        let text = [
            OrderingTests.appending(1, name: "global", namespace: "istio-system", priority: 5),
            OrderingTests.appending(2, name: "local", namespace: "edge", priority: -5),
            OrderingTests.appending(3, name: "global-early", namespace: "istio-system", priority: -5),
        ].joined(separator: "\n---\n")
        #expect(try optionOrder(text, GatewayIdentity(namespace: "edge")) == ["3", "2", "1"])
    }

    @Test func aCustomRootNamespace() throws {
        let text = [
            OrderingTests.appending(1, name: "local", namespace: "istio-system"),
            OrderingTests.appending(2, name: "global", namespace: "mesh-root"),
        ].joined(separator: "\n---\n")
        #expect(try optionOrder(text, GatewayIdentity(rootNamespace: "mesh-root")) == ["2", "1"])
    }
}
