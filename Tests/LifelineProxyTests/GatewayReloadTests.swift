import Glibc
import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineSocket
import LifelineTestSupport
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Testing

extension LiveProxyTests {
    /// Reloads of a running gateway, seen from real clients: open connections go on, new ones get the new plan.
    @Suite struct GatewayReloadTests {
        /// A tcp_proxy listener (a YAML list entry, indented for `listeners:`) on 127.0.0.1:`port` to `cluster`,
        /// with the keepalive idle time `keepaliveTime` on its listening socket.
        static func listener(
            _ name: String,
            port: Int = 0,
            cluster: String = "upstream",
            keepaliveTime: Int = 300,
            reusePort: Bool = true
        ) -> String {
            """
              - name: \(name)
                address:
                  socket_address: { address: 127.0.0.1, port_value: \(port) }
                enable_reuse_port: \(reusePort)
                socket_options:
                - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: \(keepaliveTime), state: STATE_LISTENING }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: \(name)
                      cluster: \(cluster)
            """
        }

        static func plan(listeners: [String], clusters: [(String, Int)]) throws -> GatewayPlan {
            let yaml = """
                static_resources:
                  listeners:
                \(listeners.joined(separator: "\n"))
                  clusters:
                \(clusters.map { loopbackCluster($0.0, ports: [$0.1], connectTimeout: "2s") }.joined(separator: "\n"))
                """
            let tree = try ConfigLoader.parseDocument(yaml, file: "test.yaml")
            let (bootstrap, _) = try Bootstrap.decode(tree)
            return try GatewayPlanner.plan(bootstrap).0
        }

        static func tls(_ issued: TestCertificates.Issued) -> DownstreamTlsPlan {
            DownstreamTlsPlan(certificates: [
                CertificatePlan(
                    certificateChain: PEMSource(pem: issued.certificatePEM, source: "test"),
                    privateKey: PEMSource(pem: issued.keyPEM, source: "test")
                )
            ])
        }

        static var quietLogger: Logger {
            var logger = Logger(label: "lifeline-test")
            logger.logLevel = .critical
            return logger
        }

        /// Sends `message` and reads until the same number of bytes came back.
        static func echo(_ client: EchoConnection, _ message: String) async throws -> String {
            try await client.echo(message)
        }

        /// A TLS client (it trusts anything) that sends `ping`, reads the echo, and returns the certificate the
        /// gateway presented, and the open connection.
        static func tlsClient(port: Int, group: any EventLoopGroup) async throws -> (NIOSSLCertificate?, EchoConnection)
        {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            let client = try await ClientBootstrap(group: group)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: "lifeline.test")
                        )
                        return try ByteChannel(wrappingChannelSynchronously: channel)
                    }
                }
            let connection = EchoConnection(client)
            #expect(try await connection.echo("ping") == "ping")
            let certificate = try await client.channel.nioSSL_peerCertificate().get()
            return (certificate, connection)
        }

        /// Gateway-side keepalive idle time of each established connection on `port`, by the client's port: what
        /// `ss -tno` shows as `timer:(keepalive,…)` (time left, so at most the idle time).
        static func keepaliveTimers(localPort port: Int) throws -> [Int: Int] {
            let output = try runSS(["-tnoH", "state", "established", "( sport = :\(port) )"])
            var timers: [Int: Int] = [:]
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 4, let peerPort = fields[3].split(separator: ":").last.flatMap({ Int($0) }),
                    let range = line.range(of: "timer:(keepalive,")
                else { continue }
                let rest = line[range.upperBound...]
                let digits = rest.prefix { $0.isNumber }
                guard let number = Int(digits) else { continue }
                timers[peerPort] = rest.dropFirst(digits.count).hasPrefix("min") ? number * 60 : number
            }
            return timers
        }

        /// ``keepaliveTimers(localPort:)`` once every one of `peers` shows a keepalive timer (a socket whose last
        /// bytes are not acknowledged yet shows its retransmission timer instead).
        static func keepaliveTimers(localPort port: Int, peers: Set<Int>) async -> [Int: Int] {
            var timers: [Int: Int] = [:]
            _ = await eventually(seconds: 10) {
                timers = (try? keepaliveTimers(localPort: port)) ?? [:]
                return peers.allSatisfy { timers[$0] != nil }
            }
            return timers
        }

        @Test func aReloadWithAThousandOpenConnectionsDropsNoneAndNewConnectionsGetTheNewPlan() async throws {
            let certificates = try TestCertificates.make()
            defer { certificates.remove() }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            // The clients end (and are released) before the event loops stop.
            try await Self.reloadUnderLoad(group: group, upstreamPort: upstream.port, certificates: certificates)
            await upstream.stop()
            try await group.shutdownGracefully()
        }

        static func reloadUnderLoad(
            group: any EventLoopGroup,
            upstreamPort: Int,
            certificates: TestCertificates
        ) async throws {
            var initial = try Self.plan(
                listeners: [
                    listener("plain", keepaliveTime: 300), listener("secure"), listener("steady"),
                    listener("doomed"),
                ],
                clusters: [("upstream", upstreamPort)]
            )
            initial.listeners[1].filterChains[0].tls = tls(certificates.serverRSA)
            let gateway = try Gateway(plan: initial, logger: quietLogger)
            try await gateway.start(group: group)
            let plainPort = try #require(gateway.listener(named: "plain")?.localPort)
            let securePort = try #require(gateway.listener(named: "secure")?.localPort)
            let steadyPort = try #require(gateway.listener(named: "steady")?.localPort)
            let doomedPort = try #require(gateway.listener(named: "doomed")?.localPort)

            let count = 1000
            let clients = try await withDeadline(seconds: 120) {
                try await withThrowingTaskGroup(of: EchoConnection.self) { tasks in
                    for _ in 0..<count {
                        tasks.addTask { EchoConnection(try await connectClient(port: plainPort, group: group)) }
                    }
                    var clients: [EchoConnection] = []
                    for try await client in tasks { clients.append(client) }
                    return clients
                }
            }
            let before = try await echoAll(clients, round: "before")
            #expect(before == count)
            let (oldCertificate, secureClient) = try await tlsClient(port: securePort, group: group)
            let rsa = try NIOSSLCertificate(bytes: Array(certificates.serverRSA.certificatePEM.utf8), format: .pem)
            #expect(oldCertificate == rsa)
            let steadyClient = EchoConnection(try await connectClient(port: steadyPort, group: group))
            #expect(try await Self.echo(steadyClient, "steady") == "steady")
            let doomedClient = EchoConnection(try await connectClient(port: doomedPort, group: group))
            #expect(try await Self.echo(doomedClient, "doomed") == "doomed")

            // The keepalive time of `plain` changes (new sockets), `added` is new, `secure` gets a new certificate,
            // `doomed` goes, `steady` stays as it is.
            var next = try Self.plan(
                listeners: [
                    listener("plain", keepaliveTime: 60), listener("secure"), listener("steady"),
                    listener("added"),
                ],
                clusters: [("upstream", upstreamPort)]
            )
            next.listeners[1].filterChains[0].tls = tls(certificates.serverECDSA)
            let summary = try await gateway.reload(to: next)
            #expect(summary.listenersReplaced == ["plain"])
            #expect(summary.listenersKept == ["secure", "steady"])
            #expect(summary.listenersAdded == ["added"])
            #expect(summary.listenersRemoved == ["doomed"])
            #expect(summary.chainsKept == 1)
            #expect(summary.chainsNew == 1)
            #expect(summary.clustersKept == ["upstream"])
            #expect(summary.connectionsDraining >= count + 1)

            // Not one connection was dropped: each still echoes.
            let after = try await echoAll(clients, round: "after")
            #expect(after == count)
            #expect(try await Self.echo(secureClient, "secure") == "secure")
            #expect(try await Self.echo(steadyClient, "steady") == "steady")
            #expect(try await Self.echo(doomedClient, "doomed") == "doomed")

            // The listeners are where they were; new connections get the new keepalive time and certificate.
            #expect(gateway.listener(named: "plain")?.localPort == plainPort)
            #expect(gateway.listener(named: "steady")?.localPort == steadyPort)
            let fresh = EchoConnection(try await connectClient(port: plainPort, group: group))
            #expect(try await Self.echo(fresh, "fresh") == "fresh")
            let freshPort = try #require(fresh.channel.channel.localAddress?.port)
            let oldPorts = Set(clients.compactMap { $0.channel.channel.localAddress?.port })
            let timers = await keepaliveTimers(localPort: plainPort, peers: oldPorts.union([freshPort]))
            let oldTimers = timers.filter { oldPorts.contains($0.key) }.map(\.value)
            #expect(oldTimers.count == count)
            #expect(
                oldTimers.allSatisfy { $0 > 60 },
                "old connections keep the old idle time: \(oldTimers.min() ?? -1)"
            )
            let freshTimer = try #require(timers[freshPort], "\(timers.count) timers")
            #expect((1...60).contains(freshTimer))
            let (newCertificate, newSecureClient) = try await tlsClient(port: securePort, group: group)
            let ecdsa = try NIOSSLCertificate(bytes: Array(certificates.serverECDSA.certificatePEM.utf8), format: .pem)
            #expect(newCertificate == ecdsa)
            let addedPort = try #require(gateway.listener(named: "added")?.localPort)
            #expect(try await pingOnce(port: addedPort, group: group) == "ping")
            // The removed listener refuses new connections.
            await #expect(throws: (any Error).self) { try await connectClient(port: doomedPort, group: group) }
            #expect(gateway.openConnections >= count + 4)

            for client in clients + [fresh, secureClient, newSecureClient, steadyClient, doomedClient] {
                await client.close()
            }
            #expect(await eventually(seconds: 30) { gateway.openConnections == 0 })
            await gateway.stop()
        }

        /// Every client echoes `round` and its index; returns how many did.
        static func echoAll(_ clients: [EchoConnection], round: String) async throws -> Int {
            try await withDeadline(seconds: 120) {
                try await withThrowingTaskGroup(of: Bool.self) { tasks in
                    for (index, client) in clients.enumerated() {
                        tasks.addTask {
                            let message = "\(round) \(index)"
                            return (try? await echo(client, message)) == message
                        }
                    }
                    var good = 0
                    for try await ok in tasks where ok { good += 1 }
                    return good
                }
            }
        }

        /// Without SO_REUSEPORT the new socket cannot share the port: the old one closes first, then the new one
        /// listens on the same port; the open connection goes on.
        @Test func aListenerWithoutReusePortIsReplacedOnItsPort() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            let clusters = [("upstream", upstream.port)]
            let gateway = try Gateway(
                plan: try Self.plan(listeners: [Self.listener("single", reusePort: false)], clusters: clusters),
                logger: Self.quietLogger
            )
            try await gateway.start(group: group)
            let port = try #require(gateway.listener(named: "single")?.localPort)
            do {
                let open = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await open.echo("before") == "before")
                let summary = try await gateway.reload(
                    to: try Self.plan(
                        listeners: [Self.listener("single", keepaliveTime: 60, reusePort: false)],
                        clusters: clusters
                    )
                )
                #expect(summary.listenersReplaced == ["single"])
                #expect(gateway.listener(named: "single")?.localPort == port)
                #expect(try await open.echo("after") == "after")
                let fresh = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await fresh.echo("fresh") == "fresh")
                let freshPort = try #require(fresh.channel.channel.localAddress?.port)
                let openPort = try #require(open.channel.channel.localAddress?.port)
                let timers = await Self.keepaliveTimers(localPort: port, peers: [freshPort, openPort])
                #expect((1...60).contains(timers[freshPort] ?? 0), "\(timers)")
                #expect((timers[openPort] ?? 0) > 60, "\(timers)")
                await open.close()
                await fresh.close()
            }
            await gateway.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
        }

        @Test func aReloadThatCannotBindChangesNothing() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let first = try await TestUpstream.start(group: group) { TagHandler(tag: "first") }
            let second = try await TestUpstream.start(group: group) { TagHandler(tag: "second") }
            let clusters = [("first", first.port), ("second", second.port)]
            let plan = try Self.plan(listeners: [Self.listener("main", cluster: "first")], clusters: clusters)
            let gateway = try Gateway(plan: plan, logger: Self.quietLogger)
            try await gateway.start(group: group)
            let port = try #require(gateway.listener(named: "main")?.localPort)
            let taken = RefusingPort()
            let next = try Self.plan(
                listeners: [
                    Self.listener("main", cluster: "second"),
                    Self.listener("blocked", port: taken.port, cluster: "first"),
                ],
                clusters: clusters
            )
            let error = await #expect(throws: (any Error).self) { try await gateway.reload(to: next) }
            #expect(
                "\(error.map { "\($0)" } ?? "")".contains("blocked"),
                "the error names the listener: \(String(describing: error))"
            )
            #expect(gateway.plan == plan)
            #expect(gateway.listeners.map(\.plan.name) == ["main"])
            #expect(gateway.listener(named: "main")?.localPort == port)
            #expect(try await Self.tag(port: port, group: group) == "first")
            withExtendedLifetime(taken) {}

            // Once the port is free the same reload goes through.
            let summary = try await gateway.reload(
                to: try Self.plan(
                    listeners: [Self.listener("main", cluster: "second"), Self.listener("blocked", cluster: "first")],
                    clusters: clusters
                )
            )
            #expect(summary.listenersKept == ["main"])
            #expect(summary.chainsNew == 1)
            #expect(try await Self.tag(port: port, group: group) == "second")
            await gateway.stop()
            await first.stop()
            await second.stop()
            try await group.shutdownGracefully()
        }

        static func tag(port: Int, group: any EventLoopGroup) async throws -> String {
            let client = try await connectClient(port: port, group: group)
            return try await client.executeThenClose { inbound, outbound in
                outbound.finish()
                return String(buffer: await readAll(inbound).0)
            }
        }
    }
}
