import NIOCore
import NIOPosix
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

extension LiveProxyTests {
    /// The connection table sees the upstream connections of both HTTP pools, labelled with their cluster and pool,
    /// for as long as they are open.
    @Suite struct PooledConnectionTableTests {
        @Test(arguments: [false, true])
        func aPooledConnectionIsListedWhileOpen(http2: Bool) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let port: Int
            let stop: @Sendable () async -> Void
            if http2 {
                let server = try await HTTP2TestServer.start(group: group)
                port = server.port
                stop = { await server.stop() }
            } else {
                let server = try await HTTP1TestServer.start(group: group)
                port = server.port
                stop = { await server.stop() }
            }
            let cluster = try makeHTTPCluster(
                ports: [port],
                http: http2 ? UpstreamHttpPlan(http2: Http2ProtocolOptionsPlan()) : UpstreamHttpPlan()
            )
            let tables = ConnectionTables()
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster], connections: tables)
            let loop = group.next()
            _ = try await sequentialExchanges(2, pools: pools, on: loop, version: http2 ? .http2 : .http1_1)

            let listed = await tables.snapshot()
            #expect(listed.count == 1, "\(listed)")
            let connection = try #require(listed.first)
            #expect(connection.direction == .upstream)
            #expect(connection.kind == (http2 ? .http2Pool : .http1Pool))
            #expect(connection.cluster == "upstream")
            #expect(connection.listener == nil)
            #expect(connection.peer == "127.0.0.1:\(port)")
            #expect(connection.bytesSent > 0)
            #expect(connection.bytesReceived > 0)
            #expect(connection.tcp?.state == "ESTABLISHED")
            #expect(connection.keepalive != nil)

            await pools.closeAll()
            var remaining = listed.count
            for _ in 0..<100 where remaining > 0 {
                remaining = await tables.snapshot().count
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(remaining == 0)
            await stop()
            try await group.shutdownGracefully()
        }
    }
}
