import LifelineRelay
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// A gateway's connection tables, one per event loop, made the first time a chain or pool on that loop asks (when it
/// is set up, not per connection), and visited one loop at a time when the admin endpoint asks for a snapshot.
final class ConnectionTables: Sendable {
    /// Connection ids, unique across the gateway's loops.
    final class IDs: Sendable {
        private let last = Atomic<UInt64>(0)

        func next() -> UInt64 {
            last.add(1, ordering: .relaxed).newValue
        }
    }

    private let ids = IDs()
    private let tables = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<ConnectionTable>]>([:])
    #if os(Linux)
        /// The tables of the relay loops connections were relayed on.
        private let relayTables = NIOLockedValueBox<[ObjectIdentifier: RelayConnectionTable]>([:])
    #endif

    init() {}

    /// The table of `loop`, made on first use. Call on `loop`, while setting up a chain or a pool.
    func table(on loop: any EventLoop) -> ConnectionTable {
        loop.preconditionInEventLoop()
        return tables.withLockedValue { tables in
            if let bound = tables[ObjectIdentifier(loop)] { return bound.value }
            let table = ConnectionTable(eventLoop: loop, ids: ids)
            tables[ObjectIdentifier(loop)] = NIOLoopBound(table, eventLoop: loop)
            return table
        }
    }

    #if os(Linux)
        /// The table of relay loop `loop`, made on first use.
        func table(on loop: RelayEventLoop) -> RelayConnectionTable {
            relayTables.withLockedValue { tables in
                if let table = tables[ObjectIdentifier(loop)] { return table }
                let table = RelayConnectionTable(loop: loop, ids: ids)
                tables[ObjectIdentifier(loop)] = table
                return table
            }
        }
    #endif

    /// Every registered connection, read on its own loop, ordered by id (oldest first).
    func snapshot() async -> [ConnectionSnapshot] {
        let all = tables.withLockedValue { Array($0.values) }
        var snapshots: [ConnectionSnapshot] = []
        for bound in all {
            if let part = try? await bound.eventLoop.submit({ bound.value.snapshot() }).get() {
                snapshots += part
            }
        }
        #if os(Linux)
            for table in relayTables.withLockedValue({ Array($0.values) }) {
                snapshots += await withCheckedContinuation { (done: CheckedContinuation<[ConnectionSnapshot], Never>) in
                    table.loop.execute { done.resume(returning: table.snapshot()) }
                }
            }
        #endif
        return snapshots.sorted { $0.id < $1.id }
    }
}
