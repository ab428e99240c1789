import LifelineConfig
import LifelinePlan
import Testing

@Suite struct ListenerStatPrefixTests {
    private func listener(_ extra: String) -> String {
        """
        static_resources:
          listeners:
          - name: public
            address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
        \(extra)
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp
                  cluster: backend
          clusters:
          - name: backend
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9000 } } }
        """
    }

    @Test func aListenersStatPrefixReachesThePlanAndItsSummary() throws {
        let plan = try planConfig(listener("    stat_prefix: edge"))
        #expect(plan.listeners[0].statPrefix == "edge")
        let summary = plan.summary(eventLoops: 1)["listeners"]?.elements?.first
        #expect(summary?["stat_prefix"] == .string("edge"))
    }

    @Test func withoutOneTheListenerIsNamedByItsAddress() throws {
        let plan = try planConfig(listener(""))
        #expect(plan.listeners[0].statPrefix == nil)
        #expect(plan.summary(eventLoops: 1)["listeners"]?.elements?.first?["stat_prefix"] == nil)
    }
}
