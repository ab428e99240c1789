import LifelineProxy
import Testing

@Suite struct StatsStoreTests {
    private func values(_ store: StatsStore) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: store.samples().map { ($0.name, $0.value) })
    }

    @Test func aChainCountsInItsListenersScopeAndItsOwn() {
        let store = StatsStore()
        let listener = store.listenerStats("0.0.0.0_10000")
        let http = store.chainStats(of: listener, chain: .http("ingress_http"))
        http.increment(.downstreamConnectionsTotal)
        http.increment(.downstreamRequests2xx)
        http.increment(.noRoute)
        http.increment(.http2KeepaliveTimeout)
        let values = values(store)
        #expect(values["listener.0.0.0.0_10000.downstream_cx_total"] == 1)
        #expect(values["http.ingress_http.downstream_cx_total"] == 1)
        #expect(values["http.ingress_http.downstream_rq_2xx"] == 1)
        #expect(values["listener.0.0.0.0_10000.http.ingress_http.downstream_rq_2xx"] == 1)
        #expect(values["http.ingress_http.no_route"] == 1)
        #expect(values["http2.keepalive_timeout"] == 1)
        // Names Envoy keeps elsewhere are not shown in the listener's scope.
        #expect(values["listener.0.0.0.0_10000.no_route"] == nil)
        #expect(values["listener.0.0.0.0_10000.downstream_rq_2xx"] == nil)
        // The listener's own reading still holds everything its chains counted.
        #expect(listener[.noRoute] == 1)
        #expect(http[.noRoute] == 1)
    }

    @Test func twoListenersOfOneScopeNameShareTheScopeButReadTheirOwn() {
        let store = StatsStore()
        let first = store.listenerStats("127.0.0.1_0")
        let second = store.listenerStats("127.0.0.1_0")
        store.chainStats(of: first, chain: .tcp("a")).increment(.downstreamConnectionsActive)
        store.chainStats(of: second, chain: .tcp("b")).increment(.downstreamConnectionsActive)
        second.increment(.noFilterChainMatch)
        #expect(first[.downstreamConnectionsActive] == 1)
        #expect(second[.downstreamConnectionsActive] == 1)
        #expect(first[.noFilterChainMatch] == 0)
        let values = values(store)
        #expect(values["listener.127.0.0.1_0.downstream_cx_active"] == 2)
        #expect(values["listener.127.0.0.1_0.no_filter_chain_match"] == 1)
    }

    @Test func chainsThatShareAStatPrefixShareTheirStats() {
        let store = StatsStore()
        store.chainStats(of: store.listenerStats("a"), chain: .tcp("edge")).increment(.idleTimeout)
        store.chainStats(of: store.listenerStats("b"), chain: .tcp("edge")).increment(.idleTimeout)
        let values = values(store)
        #expect(values["tcp.edge.idle_timeout"] == 2)
        #expect(values["listener.a.downstream_cx_total"] == 0)
    }

    @Test func theSameNameIsTheSameStatForALaterGateway() {
        let store = StatsStore()
        store.clusterStats("backend").increment(.upstreamConnectFailures)
        store.clusterStats("backend").increment(.upstreamConnectFailures)
        #expect(values(store)["cluster.backend.upstream_cx_connect_fail"] == 2)
    }

    @Test func samplesAreSortedAndCarryServerBasics() {
        let store = StatsStore()
        store.setLive(true)
        store.setConcurrency(3)
        store.chainStats(of: store.listenerStats("x"), chain: .tcp("t")).increment(.downstreamConnectionsActive)
        let samples = store.samples()
        #expect(samples.map(\.name) == samples.map(\.name).sorted())
        let values = Dictionary(uniqueKeysWithValues: samples.map { ($0.name, $0.value) })
        #expect(values["server.live"] == 1)
        #expect(values["server.concurrency"] == 3)
        #expect(values["server.total_connections"] == 1)
        #expect(samples.first { $0.name == "listener.x.downstream_cx_active" }?.kind == .gauge)
        #expect(samples.first { $0.name == "listener.x.downstream_cx_total" }?.kind == .counter)
    }

    @Test func aListenersScopeIsItsStatPrefixElseItsAddress() {
        #expect(StatScope.listenerName(host: "0.0.0.0", port: 10000, statPrefix: nil) == "0.0.0.0_10000")
        #expect(StatScope.listenerName(host: "::", port: 8443, statPrefix: nil) == "[__]_8443")
        // As Envoy 1.40 names a listener on [::1]:19912.
        #expect(StatScope.listenerName(host: "::1", port: 19912, statPrefix: nil) == "[__1]_19912")
        #expect(StatScope.listenerName(host: "0.0.0.0", port: 10000, statPrefix: "public") == "public")
    }
}
