import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// A filter or patch that does not select this gateway is listed with its reason, and never fails the gateway:
/// only what would apply is held to Lifeline's supported subset.
@Suite("Filters that do not select this gateway never fail it")
struct NotSelectedTests {
    static let merge = """
        configPatches:
        - applyTo: LISTENER
          match: { listener: { portNumber: 8443 } }
          patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
        """

    /// A spec with something Lifeline refuses in every part: a kind it does not patch, an unknown field, a priority out
    /// of range.
    static let unsupported = """
        priority: 2147483648
        configPatches:
        - applyTo: LISTENER_FILTER
          match: { context: GATEWAY, listener: { portNumbr: 80 } }
          patch: { operation: INSERT_BEFORE, value: { name: envoy.filters.http.lua } }
        """

    @Test(arguments: [
        (
            envoyFilter("lua", namespace: "bookinfo", spec: unsupported),
            "bookinfo/lua: not selected: namespace bookinfo is neither the root namespace nor the gateway's, "
                + "istio-system"
        ),
        (
            envoyFilter("lua", spec: "workloadSelector: { labels: { app: reviews } }\n" + unsupported),
            "istio-system/lua: not selected: workloadSelector app=reviews is not among the gateway's labels"
        ),
    ])
    func anUnselectedFilterIsListedNotChecked(_ filter: String, _ line: String) throws {
        let text = [filter, envoyFilter("mine", spec: Self.merge)].joined(separator: "\n---\n")
        #expect(!(try parseFilters(text)).flatMap(\.errors).isEmpty)
        let outcome = try applyOutcome(text)
        #expect(outcome.tree.node("static_resources.listeners[0].per_connection_buffer_limit_bytes") != nil)
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.notSelected.map(\.description) == [line])
    }

    @Test func theSameFilterSelectedFails() throws {
        let errors = try applyErrors(
            envoyFilter("lua", namespace: "bookinfo", spec: Self.unsupported),
            gateway: GatewayIdentity(namespace: "bookinfo")
        )
        #expect(
            errors.map(\.path) == [
                "spec.priority",
                "spec.configPatches[0].applyTo",
                "spec.configPatches[0].match.listener.portNumbr",
            ]
        )
    }

    @Test func aSidecarPatchBesideAGatewayPatch() throws {
        let text = envoyFilter(
            "mixed",
            spec: """
                configPatches:
                - applyTo: HTTP_FILTER
                  match: { context: SIDECAR_OUTBOUND, listener: { filterChain: { filter: { name: hcm, subFilter: { name: router } } } } }
                  patch: { operation: INSERT_BEFORE, value: { name: envoy.filters.http.lua }, filterClass: AUTHZ }
                - applyTo: LISTENER
                  match: { context: GATEWAY, listener: { portNumber: 8443 } }
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                - applyTo: CLUSTER
                  match: { context: SIDECAR_INBOUND }
                  patch: { operation: REMOVE, value: { name: ignored } }
                """
        )
        let outcome = try applyOutcome(text)
        let buffer = try #require(outcome.tree.node("static_resources.listeners[0].per_connection_buffer_limit_bytes"))
        #expect(buffer.provenance == "EnvoyFilter istio-system/mixed patch 1")
        // The REMOVE's value warning belongs to a patch that is not selected, so it is not shown.
        #expect(outcome.warnings.isEmpty)
        #expect(
            outcome.notSelected.map(\.description) == [
                "istio-system/mixed patch 0: not selected: context SIDECAR_OUTBOUND does not apply to a gateway",
                "istio-system/mixed patch 2: not selected: context SIDECAR_INBOUND does not apply to a gateway",
            ]
        )
    }

    @Test func oneLineForAFilterOfWhichNothingAppliesForOneReason() throws {
        let text = envoyFilter(
            "sidecar",
            spec: """
                configPatches:
                - applyTo: HTTP_FILTER
                  match: { context: SIDECAR_OUTBOUND }
                  patch: { operation: INSERT_FIRST, value: { name: a } }
                - applyTo: VIRTUAL_HOST
                  match: { context: SIDECAR_OUTBOUND }
                  patch: { operation: ADD, value: { name: b } }
                """
        )
        let outcome = try applyOutcome(text)
        #expect(
            outcome.notSelected.map(\.description) == [
                "istio-system/sidecar: not selected: context SIDECAR_OUTBOUND does not apply to a gateway"
            ]
        )
        #expect(outcome.notSelected.first?.patchIndex == nil)
        #expect(outcome.warnings.isEmpty)
    }

    @Test func aPatchWithBrokenApplyToIsStillJudgedByItsContext() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENERS
                  match: { context: SIDECAR_INBOUND }
                - patch: { operation: MERGE }
                """
        )
        let errors = try applyErrors(text)
        #expect(
            errors.map(\.description) == [
                "spec.configPatches[1]: needs applyTo (filter.yaml:10:5)",
                "spec.configPatches[1].patch: MERGE needs a value (filter.yaml:10:12)",
            ]
        )
    }

    /// The rest of the spec belongs to the filter: once its namespace and selector pick the gateway, its errors
    /// count even when none of its patches apply.
    @Test func filterLevelErrorsOfASelectedFilterCount() throws {
        let text = envoyFilter(
            spec: """
                priority: high
                configPatches:
                - applyTo: HTTP_FILTER
                  match: { context: SIDECAR_INBOUND }
                  patch: { operation: INSERT_FIRST, value: { name: a } }
                """
        )
        #expect(try applyErrors(text).map(\.path) == ["spec.priority"])
    }

    /// A broken selector cannot say it does not select the gateway; its error shows when the namespace lets it in.
    @Test func aBrokenWorkloadSelectorIsAnErrorInScope() throws {
        let spec = "workloadSelector: { matchLabels: { app: reviews } }\n" + Self.merge
        #expect(try applyErrors(envoyFilter(spec: spec)).map(\.path) == ["spec.workloadSelector.matchLabels"])
        let outcome = try applyOutcome(envoyFilter(namespace: "bookinfo", spec: spec))
        #expect(outcome.notSelected.count == 1)
    }
}
