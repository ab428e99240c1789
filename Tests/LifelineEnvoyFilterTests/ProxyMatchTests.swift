import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// `match.proxy`: the Istio version (an unanchored regex, as Go's `regexp.MatchString`) and node metadata the gateway
/// presents.
@Suite("match.proxy")
struct ProxyMatchTests {
    static func filter(_ proxy: String, context: String = "GATEWAY", namespace: String = "istio-system") -> String {
        envoyFilter(
            "versioned",
            namespace: namespace,
            spec: """
                configPatches:
                - applyTo: LISTENER
                  match: { context: \(context), proxy: \(proxy), listener: { portNumber: 8443 } }
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                """
        )
    }

    private func outcome(_ proxy: String, _ gateway: GatewayIdentity = GatewayIdentity()) throws
        -> EnvoyFilterApplier.Outcome
    {
        try applyOutcome(Self.filter(proxy), gateway: gateway)
    }

    private func applies(_ proxy: String, _ gateway: GatewayIdentity = GatewayIdentity()) throws -> Bool {
        let outcome = try outcome(proxy, gateway)
        let changed = outcome.tree.node("static_resources.listeners[0].per_connection_buffer_limit_bytes") != nil
        #expect(changed == outcome.notSelected.isEmpty)
        return changed
    }

    @Test func theDefaultVersionIsTheIstioReleaseLifelineFollows() {
        #expect(GatewayIdentity().proxyVersion == "1.28.0")
        #expect(GatewayIdentity.istioRelease == "1.28.0")
    }

    @Test(arguments: [
        ("'^1\\.28.*'", true),
        ("'1\\.28'", true),
        // Not anchored, as in istiod: `^1\.2` is found at the start of 1.28.0.
        ("'^1\\.2'", true),
        ("'28'", true),
        ("'.*'", true),
        ("''", true),
        ("'^1\\.27.*'", false),
        ("'^1\\.28\\.1$'", false),
        ("'^2'", false),
    ])
    func proxyVersionAgainstTheDefault(_ pattern: String, _ expected: Bool) throws {
        #expect(try applies("{ proxyVersion: \(pattern) }") == expected)
    }

    @Test func proxyVersionAgainstAnotherVersion() throws {
        let gateway = GatewayIdentity(proxyVersion: "1.27.3")
        #expect(try applies("{ proxyVersion: '^1\\.27' }", gateway))
        let outcome = try outcome("{ proxyVersion: '^1\\.28' }", gateway)
        #expect(
            outcome.notSelected.map(\.description) == [
                "istio-system/versioned: not selected: proxyVersion ^1\\.28 does not match the gateway's Istio version, "
                    + "1.27.3"
            ]
        )
        #expect(outcome.warnings.isEmpty)
    }

    @Test func noVersionMatchesNoProxyVersion() throws {
        let gateway = GatewayIdentity(proxyVersion: "")
        #expect(try applies("{}", gateway))
        let outcome = try outcome("{ proxyVersion: '.*' }", gateway)
        #expect(
            outcome.notSelected.map(\.reason) == [
                "proxyVersion .* needs an Istio version, and the gateway presents none"
            ]
        )
    }

    @Test func everyMetadataKeyMustBeEqual() throws {
        let proxy = "{ metadata: { ROUTER_MODE: sni-dnat, CLUSTER_ID: east } }"
        #expect(try applies(proxy, GatewayIdentity(proxyMetadata: ["ROUTER_MODE": "sni-dnat", "CLUSTER_ID": "east"])))
        #expect(
            try applies(
                proxy,
                GatewayIdentity(proxyMetadata: ["ROUTER_MODE": "sni-dnat", "CLUSTER_ID": "east", "EXTRA": "x"])
            )
        )
        let partly = try outcome(
            proxy,
            GatewayIdentity(proxyMetadata: ["ROUTER_MODE": "standard", "CLUSTER_ID": "east"])
        )
        #expect(
            partly.notSelected.map(\.reason) == [
                "proxy metadata ROUTER_MODE=sni-dnat is not among the gateway's metadata"
            ]
        )
        let none = try outcome(proxy)
        #expect(
            none.notSelected.map(\.reason) == [
                "proxy metadata CLUSTER_ID=east, ROUTER_MODE=sni-dnat are not all among the gateway's metadata"
            ]
        )
    }

    @Test func versionAndMetadataTogether() throws {
        let proxy = "{ proxyVersion: '^1\\.28', metadata: { ROUTER_MODE: sni-dnat } }"
        #expect(try applies(proxy, GatewayIdentity(proxyMetadata: ["ROUTER_MODE": "sni-dnat"])))
        #expect(!(try applies(proxy)))
        #expect(
            !(try applies(proxy, GatewayIdentity(proxyVersion: "1.27.0", proxyMetadata: ["ROUTER_MODE": "sni-dnat"])))
        )
    }

    /// istiod refuses an invalid regex at admission; Lifeline says so, but only for a patch that would otherwise
    /// apply.
    @Test func anInvalidRegexIsAnErrorOnlyWhenOtherwiseSelected() throws {
        let broken = "{ proxyVersion: '^1\\.(28', metadata: { ROUTER_MODE: sni-dnat } }"
        let gateway = GatewayIdentity(proxyMetadata: ["ROUTER_MODE": "sni-dnat"])
        let errors = try applyErrors(Self.filter(broken), gateway: gateway)
        #expect(
            errors.map(\.description) == [
                "spec.configPatches[0].match.proxy.proxyVersion: not a valid regular expression: expected ')' "
                    + "(filter.yaml:9:55)"
            ]
        )
        // Another namespace, a sidecar context, metadata that does not match: not selected, so no error.
        for (text, selection) in [
            (Self.filter(broken, namespace: "bookinfo"), gateway),
            (Self.filter(broken, context: "SIDECAR_INBOUND"), gateway),
            (Self.filter(broken), GatewayIdentity()),
        ] {
            let outcome = try applyOutcome(text, gateway: selection)
            #expect(outcome.notSelected.count == 1)
            #expect(outcome.warnings.isEmpty)
        }
    }

    @Test func unknownProxyFieldsAreErrors() {
        #expect(
            loadErrors(Self.filter("{ proxyVersions: '1' }")).map(\.path) == [
                "spec.configPatches[0].match.proxy.proxyVersions"
            ]
        )
    }
}
