import Foundation
import Glibc
import LifelineAdmin
import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineSocket
import Logging
import NIOCore
import NIOPosix
import Testing

/// `/connections` and `/` served by a real admin server for a real gateway, checked against a connection the test
/// holds open through it.
@Suite struct ConnectionsEndpointTests {
    /// A tcp_proxy listener with keepalive 15/15/3 on its accepted sockets, to an echo upstream.
    static func config(upstreamPort: Int) -> String {
        """
        static_resources:
          listeners:
          - name: edge
            address:
              socket_address: { address: 127.0.0.1, port_value: 0 }
            socket_options:
            - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 15, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_KEEPINTVL, int_value: 15, state: STATE_LISTENING }
            - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 3, state: STATE_LISTENING }
            filter_chains:
            - name: plain
              filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: edge
                  cluster: echo
          clusters:
          - name: echo
            connect_timeout: 2s
            load_assignment:
              cluster_name: echo
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: \(upstreamPort) }
        """
    }

    struct Running {
        let gateway: Gateway
        let admin: AdminServer
        let listenerPort: Int
        let adminPort: Int
    }

    func withRunning(_ body: (Running) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let upstream = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Echo())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let tree = try ConfigLoader.parseDocument(
            Self.config(upstreamPort: upstream.localAddress!.port!),
            file: "test.yaml"
        )
        let (bootstrap, _) = try Bootstrap.decode(tree)
        let (plan, _) = try GatewayPlanner.plan(bootstrap)
        var logger = Logger(label: "admin-test")
        logger.logLevel = .critical
        let gateway = try Gateway(plan: plan, logger: logger)
        try await gateway.start(group: group)
        let admin = AdminServer(
            address: IPEndpoint(host: "127.0.0.1", port: 0)!,
            routes: AdminRoutes.connections(gateway: gateway),
            logger: logger
        )
        try await admin.start(group: group)
        let running = Running(
            gateway: gateway,
            admin: admin,
            listenerPort: gateway.listeners[0].localPort!,
            adminPort: admin.localPort!
        )
        var failure: (any Error)?
        do {
            try await body(running)
        } catch {
            failure = error
        }
        await admin.stop()
        await gateway.stop()
        try? await upstream.close()
        try await group.shutdownGracefully()
        if let failure { throw failure }
    }

    func get(_ target: String, port: Int) async throws -> RawHTTPResponse {
        let connection = try #require(RawHTTPConnection(port: port))
        connection.send("GET \(target) HTTP/1.1\r\nhost: admin\r\n\r\n")
        return try #require(await connection.readResponse())
    }

    /// A client connection through the gateway that has sent and got back `hello`.
    func openClient(port: Int) throws -> RawHTTPConnection {
        let client = try #require(RawHTTPConnection(port: port))
        client.send("hello")
        var echoed = [UInt8](repeating: 0, count: 5)
        var got = 0
        while got < 5 {
            let count = echoed.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress! + got, 5 - got, 0) }
            guard count > 0 else { break }
            got += count
        }
        #expect(got == 5)
        return client
    }

    @Test func theJSONListsBothSidesOfAHeldConnectionWithTheSocketsKeepalive() async throws {
        try await withRunning { running in
            let client = try openClient(port: running.listenerPort)
            let response = try await get("/connections?format=json", port: running.adminPort)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            for field in ["\"rx_bytes\"", "\"tx_bytes\"", "\"filter_chain\"", "\"last_ack_recv_ms\"", "\"idle_s\""] {
                #expect(response.body.contains(field), "\(field) missing")
            }
            let connections = try JSONDecoder().decode([ConnectionSnapshot].self, from: Data(response.body.utf8))
            let downstream = try #require(
                connections.first { $0.direction == .downstream && $0.peer == "127.0.0.1:\(client.localPort)" },
                "\(connections)"
            )
            #expect(downstream.kind == .tcpProxy)
            #expect(downstream.listener == "edge")
            #expect(downstream.filterChain == "plain")
            #expect(downstream.cluster == "echo")
            #expect(downstream.local == "127.0.0.1:\(running.listenerPort)")
            #expect(downstream.bytesReceived == 5)
            #expect(downstream.bytesSent == 5)
            #expect(
                downstream.keepalive
                    == ConnectionSnapshot.Keepalive(
                        enabled: true,
                        idleSeconds: 15,
                        intervalSeconds: 15,
                        probes: 3,
                        userTimeoutMilliseconds: downstream.keepalive?.userTimeoutMilliseconds
                    )
            )
            let tcp = try #require(downstream.tcp)
            #expect(tcp.state == "ESTABLISHED")
            #expect(tcp.probes == 0)
            #expect(tcp.lastDataReceivedMilliseconds < 5000)
            let timeline = try #require(downstream.timeline)
            #expect(timeline.phase == .idle)
            #expect((10_000...15_000).contains(timeline.nextProbeInMilliseconds ?? -1))

            let upstream = try #require(
                connections.first { $0.direction == .upstream && $0.listener == "edge" },
                "\(connections)"
            )
            #expect(upstream.cluster == "echo")
            #expect(upstream.bytesSent == 5)
            #expect(upstream.bytesReceived == 5)
            #expect(upstream.tcp?.state == "ESTABLISHED")
            withExtendedLifetime(client) {}
        }
    }

    @Test func filtersByListenerAndCluster() async throws {
        try await withRunning { running in
            let client = try openClient(port: running.listenerPort)
            func count(_ query: String) async throws -> Int {
                let body = try await get("/connections?format=json&\(query)", port: running.adminPort).body
                return try JSONDecoder().decode([ConnectionSnapshot].self, from: Data(body.utf8)).count
            }
            #expect(try await count("listener=edge") == 2)
            #expect(try await count("cluster=echo") == 2)
            #expect(try await count("listener=other") == 0)
            #expect(try await count("cluster=other") == 0)
            withExtendedLifetime(client) {}
        }
    }

    @Test func theTextTableHasALinePerConnectionWithTheKeepaliveValues() async throws {
        try await withRunning { running in
            let client = try openClient(port: running.listenerPort)
            let response = try await get("/connections", port: running.adminPort)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true)
            let lines = response.body.split(separator: "\n")
            #expect(lines.first?.hasPrefix("ID") == true)
            let line = try #require(lines.first { $0.contains("127.0.0.1:\(client.localPort)") }, "\(response.body)")
            #expect(line.contains(" down "))
            #expect(line.contains("edge/plain/echo"))
            #expect(line.contains("15/15/3"))
            #expect(line.contains("ESTABLISHED"))
            #expect(lines.count == 3)
        }
    }

    @Test func aClosedConnectionLeavesTheTable() async throws {
        try await withRunning { running in
            var client: RawHTTPConnection? = try openClient(port: running.listenerPort)
            let port = client!.localPort
            client = nil
            var remaining = 1
            for _ in 0..<50 {
                remaining = await running.gateway.connections().count
                if remaining == 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(remaining == 0, "connection from port \(port) still listed")
        }
    }

    @Test func thePageIsSelfContained() async throws {
        try await withRunning { running in
            let response = try await get("/", port: running.adminPort)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/html; charset=UTF-8")
            #expect(response.body.contains("/connections?format=json"))
            #expect(response.body.contains("data-connection-id") || response.body.contains("connectionId"))
            for external in ["src=\"http", "href=\"http", "<link", "src=\"//"] {
                #expect(!response.body.contains(external))
            }
        }
    }
}
