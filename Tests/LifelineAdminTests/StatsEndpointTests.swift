import Foundation
import LifelineAdmin
import LifelineProxy
import Testing

@Suite struct StatsEndpointTests {
    static let samples: [StatSample] = [
        StatSample(
            scope: .listener("0.0.0.0_10000"),
            leaf: "downstream_cx_total",
            value: 4,
            kind: .counter,
            used: true
        ),
        StatSample(scope: .listener("0.0.0.0_10000"), leaf: "downstream_cx_active", value: 0, kind: .gauge, used: true),
        StatSample(
            scope: .listener("0.0.0.0_10000"),
            leaf: "no_filter_chain_match",
            value: 0,
            kind: .counter,
            used: false
        ),
        StatSample(scope: .http("ingress_http"), leaf: "downstream_rq_2xx", value: 2, kind: .counter, used: true),
        StatSample(scope: .cluster("backend"), leaf: "upstream_cx_connect_fail", value: 1, kind: .counter, used: true),
        StatSample(scope: .root, leaf: "server.live", value: 1, kind: .gauge, used: true),
    ]

    private func get(_ path: String, _ query: [(name: String, value: String)] = []) -> AdminResponse {
        let request = AdminRequest(method: "GET", path: path, query: query)
        return path == "/stats"
            ? StatsEndpoint.response(to: request, samples: Self.samples)
            : StatsEndpoint.prometheusResponse(to: request, samples: Self.samples)
    }

    @Test func textIsNameColonValueSortedByName() {
        let response = get("/stats")
        #expect(response.status == 200)
        #expect(response.contentType == "text/plain; charset=UTF-8")
        #expect(
            response.body == """
                cluster.backend.upstream_cx_connect_fail: 1
                http.ingress_http.downstream_rq_2xx: 2
                listener.0.0.0.0_10000.downstream_cx_active: 0
                listener.0.0.0.0_10000.downstream_cx_total: 4
                listener.0.0.0.0_10000.no_filter_chain_match: 0
                server.live: 1

                """
        )
    }

    @Test func filterMatchesAnyPartOfTheName() {
        #expect(get("/stats", [("filter", "cx_")]).body.split(separator: "\n").count == 3)
        #expect(get("/stats", [("filter", "^server")]).body == "server.live: 1\n")
        #expect(get("/stats", [("filter", "rq_[0-9]xx$")]).body == "http.ingress_http.downstream_rq_2xx: 2\n")
    }

    @Test func anInvalidFilterIsA400() {
        let response = get("/stats", [("filter", "(")])
        #expect(response.status == 400)
        #expect(response.body.hasPrefix("Invalid regex"))
        #expect(get("/stats/prometheus", [("filter", "[")]).status == 400)
    }

    @Test func usedOnlyLeavesOutWhatWasNeverWritten() {
        let body = get("/stats", [("usedonly", "")]).body
        #expect(!body.contains("no_filter_chain_match"))
        // A gauge back at 0 was still used.
        #expect(body.contains("listener.0.0.0.0_10000.downstream_cx_active: 0"))
    }

    @Test func jsonIsEnvoysShape() {
        let response = get("/stats", [("format", "json"), ("filter", "listener"), ("usedonly", "")])
        #expect(response.contentType == "application/json")
        #expect(
            response.body
                == #"{"stats":[{"name":"listener.0.0.0.0_10000.downstream_cx_active","value":0},"#
                + #"{"name":"listener.0.0.0.0_10000.downstream_cx_total","value":4}]}"#
        )
        #expect(get("/stats", [("format", "json"), ("filter", "nothing")]).body == #"{"stats":[]}"#)
        #expect(get("/stats", [("format", "yaml")]).status == 400)
    }

    @Test func prometheusUsesEnvoysNamesAndTags() {
        let response = get("/stats/prometheus")
        #expect(response.status == 200)
        let series = PrometheusText.series(response.body)
        #expect(series[#"envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_10000"}"#] == 4)
        #expect(
            series[
                #"envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress_http",envoy_response_code_class="2"}"#
            ]
                == 2
        )
        #expect(series[#"envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name="backend"}"#] == 1)
        #expect(series["envoy_server_live"] == 1)
        let types = PrometheusText.types(response.body)
        #expect(types["envoy_listener_downstream_cx_active"] == "gauge")
        #expect(types["envoy_listener_downstream_cx_total"] == "counter")
        #expect(types["envoy_server_live"] == "gauge")
        let typeLines = response.body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(typeLines.count == 6)
        #expect(typeLines == typeLines.sorted())
    }

    @Test func prometheusHonoursFilterAndUsedOnly() {
        let series = PrometheusText.series(get("/stats/prometheus", [("usedonly", ""), ("filter", "^listener")]).body)
        #expect(
            Set(series.keys) == [
                #"envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_10000"}"#,
                #"envoy_listener_downstream_cx_active{envoy_listener_address="0.0.0.0_10000"}"#,
            ]
        )
    }

    @Test func handlersReadTheStoreAtEachRequest() async {
        let store = StatsStore()
        let handler = StatsEndpoint.handler(store: store)
        let request = AdminRequest(method: "GET", path: "/stats", query: [("filter", "no_route")])
        #expect(await handler(request).body == "")
        store.chainStats(of: store.listenerStats("l"), chain: .http("main")).increment(.noRoute)
        #expect(await handler(request).body == "http.main.no_route: 1\n")
        let prometheus = await StatsEndpoint.prometheusHandler(store: store)(
            AdminRequest(method: "GET", path: "/stats/prometheus", query: [("filter", "no_route")])
        )
        #expect(
            PrometheusText.series(prometheus.body)[#"envoy_http_no_route{envoy_http_conn_manager_prefix="main"}"#] == 1
        )
    }
}
