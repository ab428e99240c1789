import Foundation
import LifelineAdmin
import LifelineServer
import Testing

/// The server as `lifeline run` runs it: one service group, driven for real and watched through its admin endpoint.
@Suite(.serialized) struct LifelineServerTests {
    @Test func theAdminEndpointAnswersEveryPath() async throws {
        let harness = try await ServerHarness.start(listeners: [ServerHarness.tcpListener("tcp")])
        let held = try #require(RawHTTPConnection(port: harness.port("tcp")))
        held.send("x")
        #expect(await harness.admin("GET", "/ready")?.body == "LIVE\n")
        let info = try #require(await harness.admin("GET", "/server_info"))
        #expect(info.body.contains("\"state\" : \"LIVE\""))
        let dump = try #require(await harness.admin("GET", "/config_dump"))
        #expect(dump.status == 200, "\(dump.body.prefix(300))")
        #expect(dump.body.contains("SO_KEEPALIVE") && dump.body.contains("listeners[0].tcp_keepalive"))
        let listeners = try #require(await harness.admin("GET", "/listeners"))
        #expect(listeners.body == "tcp::127.0.0.1:\(harness.port("tcp"))\n")
        let clusters = try #require(await harness.admin("GET", "/clusters"))
        #expect(clusters.body.contains("echo::127.0.0.1:\(harness.upstreamPort)::cx_active::1"))
        #expect(clusters.body.contains("echo::127.0.0.1:\(harness.upstreamPort)::cx_total::1"))
        let connections = try #require(await harness.admin("GET", "/connections?format=json&listener=tcp"))
        #expect(connections.body.contains("\":\(held.localPort)\"") || connections.body.contains(":\(held.localPort)"))

        #expect(await harness.admin("POST", "/healthcheck/fail")?.status == 200)
        let failed = try #require(await harness.admin("GET", "/ready"))
        #expect(failed.status == 503 && failed.body == "DRAINING\n")
        #expect(await harness.admin("POST", "/healthcheck/ok")?.status == 200)
        #expect(await harness.admin("GET", "/ready")?.status == 200)

        #expect(await harness.admin("POST", "/logging?level=debug")?.body.contains("lifeline: debug") == true)
        #expect(await harness.admin("POST", "/logging?level=loud")?.status == 400)
        #expect(await harness.admin("GET", "/logging?level=trace")?.status == 405)
        #expect(await harness.admin("POST", "/logging?level=critical")?.body.contains("lifeline: critical") == true)
        #expect(await harness.admin("GET", "/nothing-here")?.status == 404)
        let stats = try #require(await harness.admin("GET", "/stats?filter=upstream_cx_total"))
        #expect(stats.body.contains("cluster.echo.upstream_cx_total: 1"))
        let prometheus = try #require(await harness.admin("GET", "/stats/prometheus"))
        #expect(prometheus.body.contains("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"echo\"} 1"))
        let page = try #require(await harness.admin("GET", "/"))
        #expect(page.status == 200 && page.body.contains("/connections?format=json"))
        try await harness.shutdown()
        await harness.stopUpstream()
    }

    @Test func shutdownDrainsThenClosesWhatIsLeftAtTheDrainTime() async throws {
        let harness = try await ServerHarness.start(
            drainTime: .seconds(1),
            listeners: [ServerHarness.tcpListener("tcp")]
        )
        let held = try #require(RawHTTPConnection(port: harness.port("tcp")))
        // Connected is not yet accepted: drain only once the gateway holds the connection, or it has none to wait for.
        var accepted = false
        for _ in 0..<200 where !accepted {
            accepted = await harness.admin("GET", "/connections")?.body.contains(":\(held.localPort) ") == true
            if !accepted { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(accepted)
        let shutdown = Task { try await harness.shutdown() }
        // /ready reports the drain at once, while the connection is still open.
        var sawDraining = false
        for _ in 0..<40 where !sawDraining {
            sawDraining = await harness.admin("GET", "/ready")?.status == 503
            if !sawDraining { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(sawDraining)
        let took = try await shutdown.value
        #expect(took >= .milliseconds(900) && took < .seconds(5))
        #expect(await held.isClosedByServer())
        await harness.stopUpstream()
    }

    @Test func shutdownReturnsAsSoonAsTheLastConnectionIsGone() async throws {
        let harness = try await ServerHarness.start(
            drainTime: .seconds(30),
            listeners: [ServerHarness.tcpListener("tcp")]
        )
        let took = try await harness.shutdown()
        #expect(took < .seconds(5))
        await harness.stopUpstream()
    }

    @Test func aReloadAppliesANewPlanAndAConfigThatFailsCheckChangesNothing() async throws {
        let harness = try await ServerHarness.start(listeners: [ServerHarness.tcpListener("tcp")])
        let held = try #require(RawHTTPConnection(port: harness.port("tcp")))
        held.send("before")

        harness.setConfig(listeners: [
            ServerHarness.tcpListener("tcp", keepaliveTime: 30), ServerHarness.tcpListener("added"),
        ])
        let applied = try #require(await harness.admin("POST", "/reload"))
        #expect(applied.status == 200 && applied.body.hasPrefix("applied"))
        #expect(harness.port("added") != 0)
        #expect(harness.running.gateway.plan.listeners.count == 2)

        harness.setConfigText("static_resources: { listeners: [ { name: broken, address: 7 } ] }")
        let rejected = try #require(await harness.admin("POST", "/reload"))
        #expect(rejected.status == 400 && rejected.body.contains("static_resources.listeners[0].address"))
        #expect(harness.running.gateway.plan.listeners.count == 2)

        // The connection made before both reloads still carries bytes.
        held.send("after")
        #expect(await harness.admin("GET", "/ready")?.status == 200)
        #expect(await harness.running.reloader.reload(reason: "test").succeeded == false)
        try await harness.shutdown()
        await harness.stopUpstream()
    }

    @Test func drainListenersTurnsReadyAndStopsAccepting() async throws {
        let harness = try await ServerHarness.start(listeners: [ServerHarness.tcpListener("tcp")])
        let port = harness.port("tcp")
        #expect(await harness.admin("POST", "/drain_listeners")?.body == "OK\n")
        #expect(await harness.admin("GET", "/ready")?.status == 503)
        var refused = false
        for _ in 0..<40 where !refused {
            refused = RawHTTPConnection(port: port) == nil
            if !refused { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(refused)
        let reload = try #require(await harness.admin("POST", "/reload"))
        #expect(reload.status == 400 && reload.body.contains("draining"))
        try await harness.shutdown()
        await harness.stopUpstream()
    }
}
