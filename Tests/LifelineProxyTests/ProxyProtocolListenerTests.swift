import LifelineConfig
import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// A listener with `proxy_protocol` in front of tcp_proxy and the connection manager, with real sockets: the
    /// client named by the header is the connection's client for chain choice, the connection table, and
    /// `x-forwarded-for`; the header never reaches the upstream; connections without one, or with a broken one,
    /// go as Envoy sends them.
    @Suite struct ProxyProtocolListenerTests {
        static func filter(_ fields: String = "") -> String {
            """
                listener_filters:
                - name: envoy.filters.listener.proxy_protocol
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                    \(fields)
                listener_filters_timeout: 5s
            """
        }

        static let allowing = filter("allow_requests_without_proxy_protocol: true")

        /// Sends `bytes`, then half-closes, and returns all that came back and whether the gateway closed.
        func exchange(_ bytes: [UInt8], port: Int, group: any EventLoopGroup) async throws -> (String, Bool) {
            let client = try await connectClient(port: port, group: group)
            return try await withDeadline(seconds: 20) {
                try await client.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    outbound.finish()
                    let (received, ended) = await readAll(inbound)
                    return (String(buffer: received), ended)
                }
            }
        }

        func proxyStat(_ harness: GatewayHarness, _ name: String) -> Int? {
            harness.gateway.store.samples().first { $0.name == name }?.value
        }

        @Test func theUpstreamSeesOnlyTheBytesAfterAV2Header() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter()) { harness, group in
                let (reply, ended) = try await exchange(
                    ProxyProtocolSamples.nlb + Array("ping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(reply == "ping")
                #expect(ended)
                #expect(harness.listener.stats[.proxyProtocolV2Found] == 1)
                #expect(proxyStat(harness, "proxy_proto.versions.v2.found") == 1)
                #expect(harness.listener.stats[.downstreamConnectionsTotal] == 1)
            }
        }

        @Test func aV1HeaderIsTakenOffToo() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter()) { harness, group in
                let line = ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n")
                let (reply, _) = try await exchange(line + Array("ping".utf8), port: harness.port, group: group)
                #expect(reply == "ping")
                #expect(proxyStat(harness, "proxy_proto.versions.v1.found") == 1)
            }
        }

        /// The header arrives a byte at a time, the payload after a pause: nothing is lost or reordered.
        @Test func aHeaderInPiecesIsAwaited() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter()) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                let reply = try await withDeadline(seconds: 20) {
                    try await client.executeThenClose { inbound, outbound in
                        for byte in ProxyProtocolSamples.nlb {
                            try await outbound.write(ByteBuffer(bytes: [byte]))
                        }
                        try await Task.sleep(for: .milliseconds(50))
                        try await outbound.write(ByteBuffer(string: "ping"))
                        outbound.finish()
                        return String(buffer: await readAll(inbound).0)
                    }
                }
                #expect(reply == "ping")
            }
        }

        /// `/connections` shows the client the header named, not the load balancer's address.
        @Test func theConnectionTableShowsTheClientBehindTheLoadBalancer() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter()) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                try await withDeadline(seconds: 20) {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(bytes: ProxyProtocolSamples.nlb + Array("ping".utf8)))
                        var iterator = inbound.makeAsyncIterator()
                        let reply = try await iterator.next()
                        #expect(reply.map { String(buffer: $0) } == "ping")
                        let connections = await harness.gateway.connections()
                        let downstream = try #require(connections.first { $0.direction == .downstream })
                        #expect(downstream.peer == "198.18.0.7:40001")
                        #expect(downstream.local == "198.18.0.1:443")
                        // The 4 bytes after the header; the header itself is the filter's.
                        #expect(downstream.bytesReceived == 4)
                    }
                }
            }
        }

        @Test func withoutAHeaderAndWithAllowTheBytesGoThroughUntouched() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.allowing) { harness, group in
                let (reply, _) = try await exchange(
                    Array("GET / HTTP/1.0\r\n\r\n".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(reply == "GET / HTTP/1.0\r\n\r\n")
                #expect(harness.listener.stats[.proxyProtocolNotFoundAllowed] == 1)
                #expect(harness.listener.stats[.proxyProtocolError] == 0)
                // With allow, a header is still taken off when there is one.
                let (proxied, _) = try await exchange(
                    ProxyProtocolSamples.nlb + Array("ping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(proxied == "ping")
            }
        }

        @Test func withoutAHeaderAndWithoutAllowTheConnectionIsClosedAndCounted() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter()) { harness, group in
                let (reply, ended) = try await exchange(
                    Array("GET / HTTP/1.0\r\n\r\n".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(reply.isEmpty)
                #expect(ended)
                #expect(harness.listener.stats[.proxyProtocolNotFoundDisallowed] == 1)
                #expect(proxyStat(harness, "proxy_proto.not_found_disallowed") == 1)
                #expect(proxyStat(harness, "downstream_cx_proxy_proto_error") == 1)
                #expect(harness.listener.stats[.downstreamConnectionsTotal] == 0)
            }
        }

        @Test func aMalformedHeaderIsClosedAndCounted() async throws {
            try await withGateway(
                upstream: EchoHandler(),
                listenerExtra: Self.filter("stat_prefix: nlb\n        allow_requests_without_proxy_protocol: true")
            ) { harness, group in
                let (reply, _) = try await exchange(
                    Array("PROXY TCP4 nonsense\r\nping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(reply.isEmpty)
                var broken = ProxyProtocolSamples.nlb
                broken[12] = 0x22
                let (second, _) = try await exchange(broken + Array("ping".utf8), port: harness.port, group: group)
                #expect(second.isEmpty)
                #expect(proxyStat(harness, "proxy_proto.nlb.versions.v1.error") == 1)
                #expect(proxyStat(harness, "proxy_proto.nlb.versions.v2.error") == 1)
                #expect(proxyStat(harness, "downstream_cx_proxy_proto_error") == 2)
                #expect(harness.listener.stats[.downstreamConnectionsTotal] == 0)
            }
        }

        @Test func aDisallowedVersionIsClosed() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter("disallowed_versions: [V1]")) {
                harness,
                group in
                let line = ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n")
                let (reply, _) = try await exchange(line + Array("ping".utf8), port: harness.port, group: group)
                #expect(reply.isEmpty)
                #expect(proxyStat(harness, "proxy_proto.versions.v1.disallowed") == 1)
                #expect(proxyStat(harness, "proxy_proto.versions.v1.found") == 1)
                #expect(proxyStat(harness, "downstream_cx_proxy_proto_error") == 0)
                let (v2, _) = try await exchange(
                    ProxyProtocolSamples.nlb + Array("ping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(v2 == "ping")
            }
        }

        /// With allow, a disallowed version is taken for no header: every byte goes on, the header too.
        @Test func aDisallowedVersionWithAllowGoesOnUntouched() async throws {
            try await withGateway(
                upstream: EchoHandler(),
                listenerExtra: Self.filter(
                    "disallowed_versions: [V1]\n        allow_requests_without_proxy_protocol: true"
                )
            ) { harness, group in
                let line = "PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n"
                let (reply, _) = try await exchange(Array((line + "ping").utf8), port: harness.port, group: group)
                #expect(reply == line + "ping")
                #expect(proxyStat(harness, "proxy_proto.not_found_allowed") == 1)
                #expect(proxyStat(harness, "proxy_proto.versions.v1.disallowed") == 0)
            }
        }

        /// LOCAL (an NLB health check) keeps the socket's addresses and is proxied.
        @Test func aLocalHeaderKeepsTheSocketsAddresses() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.filter()) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                try await withDeadline(seconds: 20) {
                    try await client.executeThenClose { inbound, outbound in
                        let local = ProxyProtocolSamples.v2(command: 0x20, payload: [])
                        try await outbound.write(ByteBuffer(bytes: local + Array("ping".utf8)))
                        var iterator = inbound.makeAsyncIterator()
                        let reply = try await iterator.next()
                        #expect(reply.map { String(buffer: $0) } == "ping")
                        let connections = await harness.gateway.connections()
                        let downstream = try #require(connections.first { $0.direction == .downstream })
                        #expect(downstream.peer.hasPrefix("127.0.0.1:"))
                    }
                }
            }
        }

        /// `source_prefix_ranges` is matched against the header's client; a connection from elsewhere goes to the
        /// other chain (whose upstream refuses, so it is closed).
        @Test func aFilterChainIsChosenByTheClientInTheHeader() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            let refusing = RefusingPort()
            let yaml = """
                static_resources:
                  listeners:
                  - name: test
                    address:
                      socket_address: { address: 127.0.0.1, port_value: 0 }
                \(Self.allowing)
                    filter_chains:
                    - name: nlb-clients
                      filter_chain_match:
                        source_prefix_ranges: [{address_prefix: 198.18.0.0, prefix_len: 15}]
                      filters:
                      - name: tcp
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: nlb
                          cluster: echo
                    - name: others
                      filters:
                      - name: tcp
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: others
                          cluster: refusing
                  clusters:
                \(loopbackCluster("echo", ports: [upstream.port], connectTimeout: "2s"))
                \(loopbackCluster("refusing", ports: [refusing.port], connectTimeout: "2s"))
                """
            let harness = try await GatewayHarness.start(yaml: yaml, group: group)
            do {
                let (chosen, _) = try await exchange(
                    ProxyProtocolSamples.nlb + Array("ping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(chosen == "ping")
                let outside = ProxyProtocolSamples.v2(
                    source: [203, 0, 113, 5],
                    destination: [198, 18, 0, 1],
                    sourcePort: 1234,
                    destinationPort: 443
                )
                let (other, ended) = try await exchange(outside + Array("ping".utf8), port: harness.port, group: group)
                #expect(other.isEmpty)
                #expect(ended)
                // Without a header the socket's 127.0.0.1 is the client: not in 198.18.0.0/15 either.
                let (direct, _) = try await exchange(Array("ping".utf8), port: harness.port, group: group)
                #expect(direct.isEmpty)
                #expect(harness.gateway.store.samples().first { $0.name == "tcp.nlb.downstream_cx_total" }?.value == 1)
                #expect(
                    harness.gateway.store.samples().first { $0.name == "tcp.others.downstream_cx_total" }?.value == 2
                )
            } catch {
                Issue.record(error)
            }
            await harness.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
            withExtendedLifetime(refusing) {}
        }

        /// `direct_source_prefix_ranges` is matched against the socket's own peer (the load balancer), whatever the
        /// header says; it is weighed before `source_prefix_ranges`, as in Envoy.
        @Test func directSourcePrefixRangesMatchTheSocketsPeer() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            let refusing = RefusingPort()
            let yaml = """
                static_resources:
                  listeners:
                  - name: test
                    address:
                      socket_address: { address: 127.0.0.1, port_value: 0 }
                \(Self.filter())
                    filter_chains:
                    - name: from-the-load-balancer
                      filter_chain_match:
                        direct_source_prefix_ranges: [{address_prefix: 127.0.0.0, prefix_len: 8}]
                      filters:
                      - name: tcp
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: direct
                          cluster: echo
                    - name: by-client
                      filter_chain_match:
                        source_prefix_ranges: [{address_prefix: 198.18.0.0, prefix_len: 15}]
                      filters:
                      - name: tcp
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: others
                          cluster: refusing
                  clusters:
                \(loopbackCluster("echo", ports: [upstream.port], connectTimeout: "2s"))
                \(loopbackCluster("refusing", ports: [refusing.port], connectTimeout: "2s"))
                """
            let harness = try await GatewayHarness.start(yaml: yaml, group: group)
            do {
                let (reply, _) = try await exchange(
                    ProxyProtocolSamples.nlb + Array("ping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(reply == "ping")
                #expect(
                    harness.gateway.store.samples().first { $0.name == "tcp.direct.downstream_cx_total" }?.value == 1
                )
            } catch {
                Issue.record(error)
            }
            await harness.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
            withExtendedLifetime(refusing) {}
        }

        /// The per-request and the per-connection access log lines name the client the header named.
        @Test func theAccessLogsNameTheClientInTheHeader() async throws {
            let entries = Box<[Logger.Metadata]>([])
            var logger = Logger(label: "lifeline-test") { _ in MetadataRecorder(entries: entries) }
            logger.logLevel = .info
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route()])
            var filters = ListenerFiltersPlan()
            filters.proxyProtocol = .init()
            try await withHTTPGateway(manager, listenerFilters: filters, logger: logger) { harness, _, group in
                let request = "GET /hello HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n"
                let client = try await connectClient(port: harness.port, group: group)
                _ = try await withDeadline(seconds: 20) {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(bytes: ProxyProtocolSamples.nlb + Array(request.utf8)))
                        return await readAll(inbound).0
                    }
                }
                #expect(
                    await eventually {
                        entries.value.contains { $0["access.kind"] == "http_connection_manager" }
                    }
                )
                let perRequest = entries.value.first { $0["access.kind"] == "http" }
                #expect(perRequest?["downstream.remote_address"] == "198.18.0.7:40001")
                let connection = entries.value.first { $0["access.kind"] == "http_connection_manager" }
                #expect(connection?["connection.peer"] == "198.18.0.7:40001")
            }
        }

        /// With `use_remote_address`, `x-forwarded-for` carries the client the header named.
        @Test func xForwardedForCarriesTheClientInTheHeader() async throws {
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route()]) { $0.useRemoteAddress = true }
            var filters = ListenerFiltersPlan()
            filters.proxyProtocol = .init()
            try await withHTTPGateway(manager, listenerFilters: filters) { harness, _, group in
                let request = "GET /headers HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n"
                let client = try await connectClient(port: harness.port, group: group)
                let response = try await withDeadline(seconds: 20) {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(bytes: ProxyProtocolSamples.nlb + Array(request.utf8)))
                        return String(buffer: await readAll(inbound).0)
                    }
                }
                #expect(response.hasPrefix("HTTP/1.1 200"))
                #expect(response.split(whereSeparator: \.isNewline).contains("x-forwarded-for: 198.18.0.7"))
            }
        }
    }
}

/// Keeps the metadata of every line logged at info or above.
private struct MetadataRecorder: LogHandler {
    let entries: Box<[Logger.Metadata]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        entries.update { $0.append(metadata.merging(event.metadata ?? [:]) { $1 }) }
    }
}
