import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// istiod compares `match.listener.filterChain.filter.name` with a filter's name exactly: a deprecated name and its
/// canonical replacement are different names.
@Suite("Network filter names in matches")
struct FilterNameMatchTests {
    private func renameMerge(matching name: String) -> String {
        singlePatchFilter(
            applyTo: "NETWORK_FILTER",
            match: "listener: { name: 0.0.0.0_8443, filterChain: { filter: { name: \(name) } } }",
            patch: "operation: MERGE\nvalue: { name: renamed }"
        )
    }

    @Test func theCanonicalNameMatches() throws {
        let (tree, warnings) = try applyFilters(renameMerge(matching: "envoy.filters.network.tcp_proxy"))
        #expect(filterNames(tree) == ["renamed"])
        #expect(warnings.isEmpty)
    }

    @Test func aDeprecatedNameDoesNotMatchTheCanonicalOneAndTheWarningSaysSo() throws {
        let (tree, warnings) = try applyFilters(renameMerge(matching: "envoy.tcp_proxy"))
        #expect(filterNames(tree) == ["envoy.filters.network.tcp_proxy"])
        #expect(
            warnings.map(\.message) == [
                "EnvoyFilter istio-system/gw patch 0 (applyTo NETWORK_FILTER, listener 0.0.0.0_8443, filter "
                    + "envoy.tcp_proxy) matched nothing; envoy.tcp_proxy is a deprecated filter name and istiod "
                    + "matches names exactly: match envoy.filters.network.tcp_proxy"
            ]
        )
    }

    @Test func aDeprecatedNameMatchesAFilterOfThatName() throws {
        let bootstrap = gatewayBootstrap.replacingFirstFilterName(with: "envoy.tcp_proxy")
        let (tree, warnings) = try applyFilters(renameMerge(matching: "envoy.tcp_proxy"), to: bootstrap)
        #expect(filterNames(tree) == ["renamed"])
        #expect(warnings.isEmpty)

        // And the canonical name does not match it.
        let (untouched, _) = try applyFilters(renameMerge(matching: "envoy.filters.network.tcp_proxy"), to: bootstrap)
        #expect(filterNames(untouched) == ["envoy.tcp_proxy"])
    }

    @Test func anUnmatchedCanonicalOrUnknownNameGetsNoHint() throws {
        let (_, warnings) = try applyFilters(renameMerge(matching: "envoy.filters.network.echo"))
        #expect(warnings.map(\.message).allSatisfy { $0.hasSuffix("matched nothing") })
        #expect(warnings.count == 1)
    }
}

extension String {
    /// This bootstrap with its first network filter renamed.
    fileprivate func replacingFirstFilterName(with name: String) -> String {
        guard let range = range(of: "- name: envoy.filters.network.tcp_proxy") else { return self }
        return replacingCharacters(in: range, with: "- name: \(name)")
    }
}
