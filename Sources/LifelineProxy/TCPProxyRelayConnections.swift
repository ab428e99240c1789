#if os(Linux)
    import LifelineRelay
    import Synchronization

    /// The relayed connections of one tcp_proxy chain, by relay loop, so that stopping the chain can close them:
    /// the relay loops are not NIO's, so this is a small locked set touched once when a connection starts and once
    /// when it ends, never per read.
    final class TCPProxyRelayConnections: Sendable {
        private struct Entry {
            let loop: RelayEventLoop
            var ids: Set<RelayConnectionID>
        }

        private let open = Mutex<[ObjectIdentifier: Entry]>([:])

        func insert(_ id: RelayConnectionID, on loop: RelayEventLoop) {
            open.withLock { open in
                open[ObjectIdentifier(loop), default: Entry(loop: loop, ids: [])].ids.insert(id)
            }
        }

        func remove(_ id: RelayConnectionID, on loop: RelayEventLoop) {
            _ = open.withLock { $0[ObjectIdentifier(loop)]?.ids.remove(id) }
        }

        /// Asks each loop to close the chain's connections on it (both sides, as the gateway's own close).
        func closeAll() {
            let entries = open.withLock { Array($0.values) }
            for entry in entries where !entry.ids.isEmpty {
                let loop = entry.loop
                let ids = entry.ids
                loop.execute {
                    for id in ids { loop.close(id) }
                }
            }
        }
    }
#endif
