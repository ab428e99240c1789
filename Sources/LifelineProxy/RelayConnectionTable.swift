#if os(Linux)
    import LifelineRelay
    import LifelineSocket

    /// The live connections of one relay loop, for the admin endpoint, as ``ConnectionTable`` keeps NIO's: rows are
    /// added, counted and removed by the relay observers on the loop's thread, and read there, by descriptor
    /// (`getsockopt`, `getpeername`) while the socket is still open. Touched only on that thread, hence unchecked.
    final class RelayConnectionTable: @unchecked Sendable {
        /// One registered socket; its byte counters are bumped by its observer.
        final class Row {
            let id: UInt64
            let labels: ConnectionLabels
            let fd: Int32
            let started = ContinuousClock.now
            let startUnixMilliseconds = ConnectionTable.unixMilliseconds()
            var bytesReceived = 0
            var bytesSent = 0

            init(id: UInt64, labels: ConnectionLabels, fd: Int32) {
                self.id = id
                self.labels = labels
                self.fd = fd
            }
        }

        let loop: RelayEventLoop
        private let ids: ConnectionTables.IDs
        private var rows: [UInt64: Row] = [:]

        init(loop: RelayEventLoop, ids: ConnectionTables.IDs) {
            self.loop = loop
            self.ids = ids
        }

        func add(fd: Int32, labels: ConnectionLabels) -> Row {
            let row = Row(id: ids.next(), labels: labels, fd: fd)
            rows[row.id] = row
            return row
        }

        func remove(_ row: Row) {
            rows[row.id] = nil
        }

        /// Every row with its socket's keepalive settings and `TCP_INFO` read now. Call on the loop's thread.
        func snapshot() -> [ConnectionSnapshot] {
            let now = ContinuousClock.now
            return rows.values.map { row in
                let age = (now - row.started).components
                return ConnectionSnapshot(
                    id: row.id,
                    direction: row.labels.direction,
                    kind: row.labels.kind,
                    peer: IPEndpoint.peer(ofSocket: row.fd)?.description ?? "-",
                    local: IPEndpoint.local(ofSocket: row.fd)?.description ?? "-",
                    listener: row.labels.listener,
                    filterChain: row.labels.filterChain,
                    cluster: row.labels.cluster,
                    startUnixMilliseconds: row.startUnixMilliseconds,
                    ageMilliseconds: Int(age.seconds * 1000 + age.attoseconds / 1_000_000_000_000_000),
                    bytesReceived: row.bytesReceived,
                    bytesSent: row.bytesSent,
                    keepalive: (try? KeepaliveReadback.read(fd: row.fd)).map(ConnectionSnapshot.Keepalive.init),
                    tcp: (try? TCPInfo.read(fd: row.fd)).map(ConnectionSnapshot.TCP.init)
                )
            }
        }
    }
#endif
