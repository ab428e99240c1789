import LifelineConfig
import LifelineEnvoyFilter
import Testing

@Suite("Which filters and patches apply to this gateway")
struct SelectionTests {
    static let merge = """
        configPatches:
        - applyTo: LISTENER
          match: { listener: { portNumber: 8443 } }
          patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
        """

    private func applied(_ text: String, labels: [String: String]) throws -> (Bool, [ConfigDiagnostic]) {
        let (tree, warnings) = try applyFilters(text, labels: labels)
        return (tree.node("static_resources.listeners[0].per_connection_buffer_limit_bytes") != nil, warnings)
    }

    @Test(
        arguments: [
            (["istio": "ingressgateway"], true),
            (["istio": "ingressgateway", "app": "edge"], true),
            (["istio": "egressgateway"], false),
            (["app": "edge"], false),
            ([:], false),
        ] as [([String: String], Bool)]
    )
    func workloadSelectorNeedsEveryLabel(_ labels: [String: String], _ expected: Bool) throws {
        let text = envoyFilter(spec: "workloadSelector:\n  labels: { istio: ingressgateway }\n" + Self.merge)
        let (didApply, warnings) = try applied(text, labels: labels)
        #expect(didApply == expected)
        // A filter meant for other workloads is not a mistake, so not warned about.
        #expect(warnings.isEmpty)
    }

    @Test(arguments: [[:], ["istio": "ingressgateway"]])
    func noSelectorAppliesToEveryGateway(_ labels: [String: String]) throws {
        for spec in [Self.merge, "workloadSelector: {}\n" + Self.merge] {
            #expect(try applied(envoyFilter(spec: spec), labels: labels).0)
        }
    }

    @Test func theSelectedFilterSeesOnlyItsOwnWarnings() throws {
        let text = [
            envoyFilter(
                "other",
                spec: "workloadSelector:\n  labels: { istio: egressgateway }\n"
                    + "configPatches:\n- applyTo: LISTENER\n  patch: { operation: REMOVE, value: { name: x } }"
            ),
            envoyFilter("mine", spec: Self.merge),
        ].joined(separator: "\n---\n")
        let (didApply, warnings) = try applied(text, labels: ["istio": "ingressgateway"])
        #expect(didApply)
        #expect(warnings.isEmpty)
    }

    @Test(arguments: ["", "context: ANY", "context: GATEWAY", "context: 0", "context: 3"])
    func gatewayContexts(_ context: String) throws {
        let text = singlePatchFilter(
            applyTo: "LISTENER",
            match: context.isEmpty ? "listener: { portNumber: 8443 }" : "\(context)\nlistener: { portNumber: 8443 }",
            patch: "operation: MERGE\nvalue: { per_connection_buffer_limit_bytes: 1 }"
        )
        let (didApply, warnings) = try applied(text, labels: [:])
        #expect(didApply)
        #expect(warnings.isEmpty)
    }

    @Test(arguments: ["SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "WAYPOINT"])
    func sidecarContextsAreNotSelected(_ context: String) throws {
        for applyTo in ["LISTENER", "CLUSTER"] {
            let text = [
                singlePatchFilter(
                    "merge",
                    applyTo: applyTo,
                    match: "context: \(context)",
                    patch: "operation: MERGE\nvalue: { per_connection_buffer_limit_bytes: 1 }"
                ),
                singlePatchFilter(
                    "add",
                    applyTo: applyTo,
                    match: "context: \(context)",
                    patch: "operation: ADD\nvalue: { name: x }"
                ),
            ].joined(separator: "\n---\n")
            let outcome = try applyOutcome(text)
            #expect(outcome.tree == (try ConfigLoader.parseDocument(gatewayBootstrap)))
            // Not meant for a gateway, so neither applied nor warned about as matching nothing.
            #expect(outcome.warnings.isEmpty)
            #expect(
                outcome.notSelected.map(\.description) == [
                    "istio-system/merge: not selected: context \(context) does not apply to a gateway",
                    "istio-system/add: not selected: context \(context) does not apply to a gateway",
                ]
            )
        }
    }
}
