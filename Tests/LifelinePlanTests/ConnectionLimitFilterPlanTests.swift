import Foundation
import LifelineConfig
import LifelinePlan
import Testing

@Suite("connection_limit in the plan and in check")
struct ConnectionLimitFilterPlanTests {
    static let yaml = listenerConfig().replacingOccurrences(
        of: "      - name: envoy.filters.network.tcp_proxy\n",
        with: """
                  - name: envoy.filters.network.connection_limit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit
                      stat_prefix: per_chain
                      max_connections: 100
                      delay: 2s
                  - name: envoy.filters.network.tcp_proxy

            """
    )

    @Test func theChainCarriesItsLimitsBeforeItsTerminalFilter() throws {
        let chain = try #require(try planConfig(Self.yaml).listeners.first?.filterChains.first)
        #expect(
            chain.connectionLimits == [
                ConnectionLimitFilterPlan(statPrefix: "per_chain", maxConnections: 100, delay: .seconds(2))
            ]
        )
        #expect(chain.tcpProxy?.cluster == "backend")
    }

    @Test func checkShowsIt() throws {
        let summary = try planConfig(Self.yaml).summary(eventLoops: 1)
        let limit = summary["listeners"]?.elements?.first?["filter_chains"]?.elements?.first?["connection_limit"]?
            .elements?.first
        #expect(limit?["stat_prefix"] == .string("per_chain"))
        #expect(limit?["max_connections"] == .number(100))
        #expect(limit?["delay"] == .string("2s"))
        #expect(limit?["enabled"] == .bool(true))
    }

    @Test func aChainWithoutOneShowsNone() throws {
        let summary = try planConfig(listenerConfig()).summary(eventLoops: 1)
        #expect(summary["listeners"]?.elements?.first?["filter_chains"]?.elements?.first?["connection_limit"] == nil)
    }
}
