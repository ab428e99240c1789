import Foundation
import LifelineAdmin
import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineTestSupport
import Logging
import NIOCore
import NIOPosix
import Testing

/// A gateway serving the config Envoy 1.40 was run with (a tcp_proxy listener, a connection manager listener with a
/// listener `stat_prefix`, a cluster that answers and one that refuses), driven by curl; its stats must come out under
/// the names and Prometheus series Envoy gives the same stats.
@Suite(.serialized) struct StatsEnvoyNamesTests {
    /// Lifeline's name, the series Envoy 1.40's `/stats/prometheus` printed for the same stat (labels sorted by
    /// name here), and its value after the traffic below. The series were read off `envoy -c` serving this config
    /// (with the `cluster_name` Envoy requires in `load_assignment`) and the same requests; `tls_inspector.*` and the
    /// root `http2.*` off one with a tls_inspector and an HTTP/2 client.
    static let table = """
        listener.127.0.0.1_0.downstream_cx_total  envoy_listener_downstream_cx_total{envoy_listener_address="127.0.0.1_0"}  2
        listener.127.0.0.1_0.downstream_cx_destroy  envoy_listener_downstream_cx_destroy{envoy_listener_address="127.0.0.1_0"}  2
        listener.public.downstream_cx_total  envoy_listener_downstream_cx_total{envoy_listener_address="public"}  3
        listener.public.downstream_cx_active  envoy_listener_downstream_cx_active{envoy_listener_address="public"}  0
        http.ingress_http.downstream_cx_total  envoy_http_downstream_cx_total{envoy_http_conn_manager_prefix="ingress_http"}  3
        http.ingress_http.downstream_cx_http1_total  envoy_http_downstream_cx_http1_total{envoy_http_conn_manager_prefix="ingress_http"}  3
        http.ingress_http.downstream_rq_total  envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress_http"}  3
        http.ingress_http.downstream_rq_2xx  envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress_http",envoy_response_code_class="2"}  2
        http.ingress_http.downstream_rq_4xx  envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress_http",envoy_response_code_class="4"}  1
        http.ingress_http.no_route  envoy_http_no_route{envoy_http_conn_manager_prefix="ingress_http"}  1
        listener.public.http.ingress_http.downstream_rq_2xx  envoy_listener_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress_http",envoy_listener_address="public",envoy_response_code_class="2"}  2
        tcp.tcp_stats.downstream_cx_total  envoy_tcp_downstream_cx_total{envoy_tcp_prefix="tcp_stats"}  3
        tcp.tcp_stats.idle_timeout  envoy_tcp_idle_timeout{envoy_tcp_prefix="tcp_stats"}  0
        cluster.backend.upstream_cx_total  envoy_cluster_upstream_cx_total{envoy_cluster_name="backend"}  4
        cluster.backend.upstream_rq_total  envoy_cluster_upstream_rq_total{envoy_cluster_name="backend"}  2
        cluster.dead.upstream_cx_connect_fail  envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name="dead"}  1
        listener.refused.downstream_cx_total  envoy_listener_downstream_cx_total{envoy_listener_address="refused"}  1
        listener.sni_only.downstream_cx_total  envoy_listener_downstream_cx_total{envoy_listener_address="sni_only"}  0
        listener.sni_only.downstream_cx_destroy  envoy_listener_downstream_cx_destroy{envoy_listener_address="sni_only"}  0
        listener.sni_only.no_filter_chain_match  envoy_listener_no_filter_chain_match{envoy_listener_address="sni_only"}  1
        tls_inspector.client_hello_too_large  envoy_tls_inspector_client_hello_too_large  0
        http2.keepalive_timeout  envoy_http2_keepalive_timeout  0
        server.live  envoy_server_live  0
        """

    static var rows: [(name: String, series: String, value: Double)] {
        table.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return (String(fields[0]), String(fields[1]), Double(fields[2]) ?? -1)
        }
    }

    static func config(backend: Int, dead: Int) -> String {
        """
        static_resources:
          listeners:
          - name: tcp
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp_stats
                  cluster: backend
          - name: http
            stat_prefix: public
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: /ok }
                        route: { cluster: backend }
                  http_filters:
        \(indented(routerFilter, by: 10))
          - name: dead
            stat_prefix: refused
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp_stats
                  cluster: dead
          - name: sni
            stat_prefix: sni_only
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            listener_filters:
            - name: envoy.filters.listener.tls_inspector
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
            filter_chains:
            - filter_chain_match: { server_names: [x.example] }
              filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp_stats
                  cluster: backend
          clusters:
        \(indented(staticCluster("backend", address: "127.0.0.1", port: backend), by: 2))
        \(indented(staticCluster("dead", address: "127.0.0.1", port: dead), by: 2))
        """
    }

    @Test func aRunningGatewaysStatsCarryEnvoysNames() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let backend = try await FixedHTTPResponder.start(group: group)
        let dead = try await FixedHTTPResponder.unusedPort(group: group)
        let tree = try ConfigLoader.parseDocument(Self.config(backend: backend.port, dead: dead), file: "stats.yaml")
        let (plan, _) = try GatewayPlanner.plan(try Bootstrap.decode(tree).0)
        var logger = Logger(label: "lifeline-test")
        logger.logLevel = .critical
        let store = StatsStore()
        let gateway = try Gateway(plan: plan, logger: logger, store: store)
        try await gateway.start(group: group)
        let tcp = try #require(gateway.listener(named: "tcp")?.localPort)
        let http = try #require(gateway.listener(named: "http")?.localPort)
        let deadListener = try #require(gateway.listener(named: "dead")?.localPort)

        #expect(try curl("http://127.0.0.1:\(http)/ok") == "200")
        #expect(try curl("http://127.0.0.1:\(http)/nowhere") == "404")
        #expect(try curl("http://127.0.0.1:\(tcp)/") == "200")
        #expect(try curl("http://127.0.0.1:\(tcp)/") == "200")
        _ = try curl("http://127.0.0.1:\(deadListener)/")
        let sni = try #require(gateway.listener(named: "sni")?.localPort)
        // Plain HTTP to a listener whose one chain wants an SNI: no chain matches, the connection is closed, and
        // (as in Envoy 1.40) counted as no_filter_chain_match only, not in downstream_cx_total.
        #expect(try curl("http://127.0.0.1:\(sni)/") == "000")
        await gateway.stop()

        // A gateway made from the same plan with the same store, as after a reload, counts on.
        let reloaded = try Gateway(plan: plan, logger: logger, store: store)
        try await reloaded.start(group: group)
        let again = try #require(reloaded.listener(named: "http")?.localPort)
        #expect(try curl("http://127.0.0.1:\(again)/ok") == "200")
        await reloaded.stop()
        try await backend.close()
        try await group.shutdownGracefully()

        let samples = store.samples()
        let names = Set(samples.map(\.name))
        let exposition = PrometheusStatsExporter.render(samples)
        let series = PrometheusText.series(exposition)
        for row in Self.rows {
            #expect(names.contains(row.name), "\(row.name) is missing from /stats")
            #expect(series[row.series] == row.value, "\(row.series) for \(row.name)")
        }
        let renamed = Set(samples.map { PrometheusStatName($0) })
        #expect(renamed.count == samples.count, "two stats export as one series")
    }

    @Test(.enabled(if: PythonPrometheusParser.isAvailable))
    func pythonsPrometheusParserReadsTheExposition() throws {
        let store = StatsStore()
        store.setLive(true)
        let http = store.chainStats(of: store.listenerStats("0.0.0.0_10000"), chain: .http("ingress_http"))
        http.increment(.downstreamRequests2xx)
        http.increment(.downstreamConnectionsActive)
        store.chainStats(of: store.listenerStats("[__]_443"), chain: .tcp("edge \"quoted\"")).increment(.idleTimeout)
        store.clusterStats("backend").increment(.upstreamConnectFailures)
        let samples = store.samples()
        let families = try PythonPrometheusParser.parse(PrometheusStatsExporter.render(samples))
        #expect(families.samples == samples.count)
        #expect(families.names.contains("envoy_http_downstream_rq_xx"))
        #expect(families.names.contains("envoy_tcp_idle_timeout"))
        #expect(families.types["envoy_listener_downstream_cx_active"] == "gauge")
    }

    private func curl(_ url: String) throws -> String {
        let output = try ExternalCommand(["curl", "-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", url]).run()
        return output.text
    }
}
