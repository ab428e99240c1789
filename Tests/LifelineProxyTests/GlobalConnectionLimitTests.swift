import LifelineConfig
import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// Envoy's `global_downstream_max_connections` with real clients: one budget for every listener, connections past
    /// it closed as soon as they are accepted and counted, the open ones left alone, and a place freed by a close
    /// taken by the next client.
    @Suite("The global downstream connection cap")
    struct GlobalConnectionLimitTests {
        /// Two tcp_proxy listeners (`a`, `b`) in front of one upstream, sharing a global cap of `cap`.
        static func config(cap: Int, upstreamPort: Int) -> String {
            func listener(_ name: String) -> String {
                """
                  - name: \(name)
                    address:
                      socket_address: { address: 127.0.0.1, port_value: 0 }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: \(name)
                          cluster: upstream
                """
            }
            return """
                overload_manager:
                  resource_monitors:
                  - name: envoy.resource_monitors.global_downstream_max_connections
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
                      max_active_downstream_connections: \(cap)
                static_resources:
                  listeners:
                \(listener("a"))
                \(listener("b"))
                  clusters:
                \(loopbackCluster("upstream", ports: [upstreamPort], connectTimeout: "2s"))
                """
        }

        @Test func connectionsPastTheCapAreClosedAtOnceAndCounted() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            let tree = try ConfigLoader.parseDocument(Self.config(cap: 3, upstreamPort: upstream.port), file: "t.yaml")
            let (plan, _) = try GatewayPlanner.plan(try Bootstrap.decode(tree).0)
            #expect(plan.maxDownstreamConnections.maxConnections == 3)
            var logger = Logger(label: "lifeline-test")
            logger.logLevel = .critical
            let gateway = try Gateway(plan: plan, logger: logger)
            try await gateway.start(group: group)
            let result: Result<Void, any Error>
            do {
                try await withDeadline(seconds: 30) {
                    let a = try #require(gateway.listener(named: "a"))
                    let b = try #require(gateway.listener(named: "b"))
                    let ports = [a.localPort!, b.localPort!, a.localPort!, b.localPort!, a.localPort!]
                    var served: [EchoConnection] = []
                    // Each of the first three is proxied before the next one is opened, so the order is known.
                    for (index, port) in ports.prefix(3).enumerated() {
                        let connection = EchoConnection(try await connectClient(port: port, group: group))
                        #expect(try await connection.echo("hello \(index)") == "hello \(index)")
                        served.append(connection)
                    }
                    #expect(gateway.connectionBudget.activeConnections == 3)
                    for port in ports.suffix(2) {
                        let refused = EchoConnection(try await connectClient(port: port, group: group))
                        #expect(await refused.waitForEnd(), "a connection past the cap is closed without a byte")
                        await refused.close()
                    }
                    #expect(a.stats[.downstreamGlobalOverflow] == 1)
                    #expect(b.stats[.downstreamGlobalOverflow] == 1)
                    #expect(a.stats[.downstreamConnectionsTotal] == 2)
                    #expect(b.stats[.downstreamConnectionsTotal] == 1)
                    // The connections already open were not touched.
                    for (index, connection) in served.enumerated() {
                        #expect(try await connection.echo("again \(index)") == "again \(index)")
                    }
                    await served.removeFirst().close()
                    #expect(await eventually { gateway.connectionBudget.activeConnections == 2 })
                    let next = EchoConnection(try await connectClient(port: b.localPort!, group: group))
                    #expect(try await next.echo("next") == "next")
                    #expect(a.stats[.downstreamGlobalOverflow] + b.stats[.downstreamGlobalOverflow] == 2)
                    await next.close()
                    for connection in served { await connection.close() }
                    #expect(await eventually { gateway.connectionBudget.activeConnections == 0 })
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            await gateway.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
            try result.get()
        }

        @Test func aReloadChangesTheCapAndKeepsTheCount() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            func plan(cap: Int) throws -> GatewayPlan {
                let yaml = Self.config(cap: cap, upstreamPort: upstream.port)
                let tree = try ConfigLoader.parseDocument(yaml, file: "t.yaml")
                return try GatewayPlanner.plan(try Bootstrap.decode(tree).0).0
            }
            var logger = Logger(label: "lifeline-test")
            logger.logLevel = .critical
            let gateway = try Gateway(plan: try plan(cap: 2), logger: logger)
            let smaller = try plan(cap: 1)
            try await gateway.start(group: group)
            let result: Result<Void, any Error>
            do {
                try await withDeadline(seconds: 30) {
                    let port = try #require(gateway.listener(named: "a")?.localPort)
                    let first = EchoConnection(try await connectClient(port: port, group: group))
                    #expect(try await first.echo("one") == "one")
                    try await gateway.reload(to: smaller)
                    #expect(gateway.connectionBudget.maxConnections == 1)
                    #expect(gateway.connectionBudget.activeConnections == 1)
                    let refused = EchoConnection(try await connectClient(port: port, group: group))
                    #expect(await refused.waitForEnd())
                    await refused.close()
                    #expect(try await first.echo("still") == "still")
                    await first.close()
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            await gateway.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
            try result.get()
        }
    }
}
