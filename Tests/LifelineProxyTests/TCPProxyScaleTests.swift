import Glibc
import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    @Suite struct TCPProxyScaleTests {
        private func openDescriptors() -> Int {
            (try? FileManagerLite.count("/proc/self/fd")) ?? 0
        }

        @Test func thousandConcurrentConnectionsAllEchoAndAllClose() async throws {
            try await withGateway(upstream: EchoHandler()) { harness, group in
                let baseline = openDescriptors()
                let count = 1000
                let clients = try await withDeadline(seconds: 120) {
                    try await withThrowingTaskGroup(of: ByteChannel.self) { tasks in
                        for _ in 0..<count {
                            tasks.addTask { try await connectClient(port: harness.port, group: group) }
                        }
                        var clients: [ByteChannel] = []
                        for try await client in tasks { clients.append(client) }
                        return clients
                    }
                }
                #expect(await eventually(seconds: 30) { harness.listener.activeConnections == count })
                #expect(await eventually(seconds: 30) { harness.cluster.stats[.upstreamConnectionsActive] == count })

                // Every connection is open at once; each gets exactly its own bytes back.
                let echoed = try await withDeadline(seconds: 120) {
                    try await withThrowingTaskGroup(of: Bool.self) { tasks in
                        for (index, client) in clients.enumerated() {
                            tasks.addTask {
                                try await client.executeThenClose { inbound, outbound in
                                    let message = "connection \(index) of \(count)"
                                    try await outbound.write(ByteBuffer(string: message))
                                    outbound.finish()
                                    let (bytes, ended) = await readAll(inbound)
                                    return ended && String(buffer: bytes) == message
                                }
                            }
                        }
                        var good = 0
                        for try await ok in tasks where ok { good += 1 }
                        return good
                    }
                }
                #expect(echoed == count)
                #expect(harness.listener.stats[.downstreamConnectionsTotal] == count)
                #expect(await eventually(seconds: 30) { harness.listener.activeConnections == 0 })
                #expect(await eventually(seconds: 30) { harness.cluster.stats[.upstreamConnectionsActive] == 0 })
                // Gateway and clients live in this process: every descriptor they opened is closed again.
                #expect(
                    await eventually(seconds: 30) { openDescriptors() <= baseline + 8 },
                    "fds \(openDescriptors()) vs \(baseline)"
                )
            }
        }

        @Test func roundRobinVisitsEveryEndpointInTurn() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            var upstreams: [TestUpstream] = []
            for tag in ["a", "b", "c"] {
                upstreams.append(try await TestUpstream.start(group: group) { TagHandler(tag: tag) })
            }
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: upstreams.map(\.port)),
                group: group
            )
            var tags: [String] = []
            for _ in 0..<6 {
                let client = try await connectClient(port: harness.port, group: group)
                let (bytes, _) = try await withDeadline(seconds: 10) {
                    try await client.executeThenClose { inbound, outbound in
                        outbound.finish()
                        return await readAll(inbound)
                    }
                }
                tags.append(String(buffer: bytes))
            }
            #expect(tags == ["a", "b", "c", "a", "b", "c"])
            await harness.stop()
            for upstream in upstreams { await upstream.stop() }
            try await group.shutdownGracefully()
        }
    }
}

/// Counts directory entries without Foundation.
enum FileManagerLite {
    static func count(_ path: String) throws -> Int {
        guard let directory = opendir(path) else { return 0 }
        defer { closedir(directory) }
        var entries = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { entries += 1 }
        }
        return entries
    }
}
