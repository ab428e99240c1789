import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineSocket
import Logging
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// Start-up: every listening socket staged alike, and a failure leaves nothing behind.
    @Suite struct GatewayStartTests {
        private func gateway(_ yaml: String) throws -> Gateway {
            let (bootstrap, _) = try Bootstrap.decode(try ConfigLoader.parseDocument(yaml, file: "test.yaml"))
            let (plan, _) = try GatewayPlanner.plan(bootstrap)
            var logger = Logger(label: "lifeline-test")
            logger.logLevel = .critical
            return try Gateway(plan: plan, logger: logger)
        }

        private func listener(_ name: String, options: String = "") -> String {
            """
              - name: \(name)
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            \(options)
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: s, cluster: backend }
            """
        }

        /// Held for the test's life so that no other test is given this port meanwhile.
        private let refusing = RefusingPort()

        private func config(_ listeners: String...) -> String {
            """
            static_resources:
              listeners:
            \(listeners.joined(separator: "\n"))
              clusters:
              - name: backend
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(refusing.port) } } }
            """
        }

        @Test func aRejectedOptionStopsStartUpNamingListenerOptionAndErrnoAndUnbindsTheOthers() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let gateway = try gateway(
                config(
                    listener("good"),
                    listener(
                        "bad",
                        options: "    socket_options: [{ level: 6, name: 9999, int_value: 1, state: STATE_BOUND }]"
                    )
                )
            )
            let error = await #expect(throws: ListeningSocketError.self) { try await gateway.start(group: group) }
            let text = try #require(error).description
            #expect(text.hasPrefix("listener bad on 127.0.0.1:0: setsockopt IPPROTO_TCP/9999=1 at STATE_BOUND"))
            #expect(text.contains("static_resources.listeners[1].socket_options[0]"))
            #expect(text.contains("errno"))
            // The listener that did start was stopped again.
            #expect(gateway.listener(named: "good")?.localPort == nil)
            try await group.shutdownGracefully()
        }

        @Test func withReusePortEveryEventLoopHasItsOwnIdenticallyStagedSocket() async throws {
            try await withGateway(upstream: EchoHandler()) { harness, group in
                let listening = try runSS(["-tlnH", "( sport = :\(harness.port) )"]).split(separator: "\n")
                #expect(listening.count == 2, "\(listening)")

                // Connections land on both sockets (the kernel hashes them); every one carries the keepalive timer.
                var clients: [ByteChannel] = []
                for _ in 0..<16 {
                    clients.append(try await connectClient(port: harness.port, group: group))
                }
                #expect(await eventually { harness.listener.activeConnections == 16 })
                let established = try runSS(["-tnoH", "state", "established", "( sport = :\(harness.port) )"])
                    .split(separator: "\n")
                #expect(established.count == 16)
                #expect(established.allSatisfy { $0.contains("timer:(keepalive,") }, "\(established)")
                for client in clients {
                    try await client.executeThenClose { inbound, outbound in
                        outbound.finish()
                        _ = await readAll(inbound)
                    }
                }
            }
        }
    }
}
