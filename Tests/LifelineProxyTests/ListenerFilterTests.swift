import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// A listener with `tls_inspector`: the chain is chosen once the first bytes are seen, and the chosen chain's
    /// session starts on a connection that is already open.
    @Suite struct ListenerFilterTests {
        static let inspector = """
                listener_filters:
                - name: envoy.filters.listener.tls_inspector
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
                listener_filters_timeout: 2s
            """

        @Test func aPlaintextClientBehindTheInspectorIsProxied() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.inspector) { harness, group in
                let reply = try await pingOnce(port: harness.port, group: group)
                #expect(reply == "ping")
                #expect(harness.listener.stats[.noFilterChainMatch] == 0)
            }
        }

        /// A client that says nothing is closed at `listener_filters_timeout` and counted.
        @Test func aSilentClientIsClosedAtTheListenerFiltersTimeout() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: Self.inspector) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                try await withDeadline(seconds: 30) {
                    try await client.executeThenClose { inbound, _ in
                        for try await _ in inbound {}
                    }
                }
                #expect(harness.listener.stats[.listenerFiltersTimeout] == 1)
                #expect(harness.listener.stats[.downstreamConnectionsTotal] == 0)
            }
        }
    }
}
