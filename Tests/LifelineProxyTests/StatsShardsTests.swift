import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import LifelineProxy

@Suite struct StatsShardsTests {
    @Test func everyAdoptedLoopWritesAShardOfItsOwn() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
        await StatsShards.adopt(group)
        var shards: [Int] = []
        for loop in group.makeIterator() {
            shards.append(try await loop.submit { StatsShards.current }.get())
        }
        try await group.shutdownGracefully()
        // Other tests run groups meanwhile; once every shard is owned, further loops share shard 0. No two loops
        // may ever own the same shard.
        let owned = shards.filter { $0 != 0 }
        #expect(Set(owned).count == owned.count)
        #expect(!owned.isEmpty)
        #expect(StatsShards.current == 0)
    }

    @Test func manyLoopsCountingAtOnceSumExactly() async throws {
        let store = StatsStore()
        let chain = store.chainStats(of: store.listenerStats("127.0.0.1_1"), chain: .tcp("ingress"))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
        await StatsShards.adopt(group)
        let loops = Array(group.makeIterator())
        let rounds = 20_000
        var work: [EventLoopFuture<Void>] = []
        for (index, loop) in loops.enumerated() {
            work.append(
                loop.submit {
                    for _ in 0..<rounds {
                        chain.increment(.downstreamConnectionsTotal)
                        chain.increment(.downstreamBytesReceived, by: 3)
                        // Half the loops open connections, the other half close them: their shards go negative.
                        if index % 2 == 0 {
                            chain.increment(.downstreamConnectionsActive)
                        } else {
                            chain.decrement(.downstreamConnectionsActive)
                        }
                    }
                }
            )
        }
        // A thread that is no event loop counts too (into the shared shard), at the same time.
        let outsider = Thread {
            for _ in 0..<rounds { chain.increment(.downstreamConnectionsTotal) }
        }
        outsider.start()
        for future in work { try await future.get() }
        while !outsider.isFinished { try await Task.sleep(for: .milliseconds(5)) }
        try await group.shutdownGracefully()

        #expect(chain[.downstreamConnectionsTotal] == 5 * rounds)
        #expect(chain[.downstreamBytesReceived] == 4 * 3 * rounds)
        #expect(chain[.downstreamConnectionsActive] == 0)
        let samples = Dictionary(uniqueKeysWithValues: store.samples().map { ($0.name, $0) })
        #expect(samples["listener.127.0.0.1_1.downstream_cx_total"]?.value == 5 * rounds)
        #expect(samples["tcp.ingress.downstream_cx_total"]?.value == 5 * rounds)
        #expect(samples["tcp.ingress.downstream_cx_rx_bytes_total"]?.value == 12 * rounds)
        // A gauge that went up and back down is still used, as in Envoy.
        #expect(samples["listener.127.0.0.1_1.downstream_cx_active"]?.value == 0)
        #expect(samples["listener.127.0.0.1_1.downstream_cx_active"]?.used == true)
        #expect(samples["listener.127.0.0.1_1.no_filter_chain_match"]?.used == false)
    }

    @Test func countsOutliveTheLoopsThatMadeThem() async throws {
        let store = StatsStore()
        let cluster = store.clusterStats("backend")
        for _ in 0..<3 {
            // Each group's threads exit at shutdown; their shards go to the threads adopted after them.
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            await StatsShards.adopt(group)
            for loop in group.makeIterator() {
                try await loop.submit {
                    for _ in 0..<1000 { cluster.increment(.upstreamConnectionsTotal) }
                    cluster.increment(.upstreamConnectionsActive)
                }.get()
            }
            try await group.shutdownGracefully()
        }
        #expect(cluster[.upstreamConnectionsTotal] == 6000)
        #expect(cluster[.upstreamConnectionsActive] == 6)
    }

    @Test func aThreadThatIsNoLoopCountsIntoTheSharedShard() {
        let stats = ProxyStats()
        stats.increment(.noRoute)
        stats.increment(.noRoute, by: 2)
        stats.decrement(.downstreamRequestsActive)
        #expect(StatsShards.current == 0)
        #expect(stats[.noRoute] == 3)
        #expect(stats[.downstreamRequestsActive] == -1)
    }

    @Test func ordinalsAreDeclarationOrder() {
        #expect(MemoryLayout<ProxyStats.Name>.size == 1)
        for (offset, name) in ProxyStats.Name.allCases.enumerated() {
            #expect(name.ordinal == offset, "\(name)")
        }
    }
}
