#if os(Linux)
    import LifelineRelay
    import Logging
    import NIOCore

    /// A tcp_proxy connection relayed by ``LifelineRelay``: turns what the relay reports into the counters, debug
    /// lines and access log line the NIO path (``TCPProxySession``) produces for the same events, so the stats and
    /// logs read the same whichever engine moved the bytes.
    final class TCPProxyRelayObserver: RelayConnectionObserver {
        private let listener: TCPProxyListenerContext
        private let upstreamAddress: SocketAddress
        private let peer: String?
        private var accessLog = ConnectionAccessLog.Record(kind: "tcp_proxy")
        private let table: RelayConnectionTable
        private let labels: ConnectionLabels
        /// The connection's two rows in the loop's table, while each socket is open.
        private var downstreamRow: RelayConnectionTable.Row?
        private var upstreamRow: RelayConnectionTable.Row?
        /// The connection's name on its loop, once the relay took it.
        var id: RelayConnectionID?
        /// Runs when both sockets are closed, with ``id``.
        var whenFinished: ((RelayConnectionID?) -> Void)?

        /// Counts the downstream as accepted and the upstream connect as started; make it right before the relay
        /// dials `upstreamAddress`.
        init(
            listener: TCPProxyListenerContext,
            upstreamAddress: SocketAddress,
            peer: String?,
            downstream: Int32,
            table: RelayConnectionTable,
            labels: ConnectionLabels
        ) {
            self.listener = listener
            self.upstreamAddress = upstreamAddress
            self.peer = peer
            self.table = table
            self.labels = labels
            downstreamRow = table.add(fd: downstream, labels: labels)
            listener.sessionStarted()
            listener.stats.increment(.downstreamConnectionsTotal)
            listener.stats.increment(.downstreamConnectionsActive)
            listener.cluster.stats.increment(.upstreamConnectionsTotal)
            listener.cluster.hostStats(for: upstreamAddress)?.connectionStarted()
            debug("downstream connection accepted")
        }

        /// A debug line with the connection's peer and upstream; nothing is built unless debug lines are logged
        /// (this runs several times per connection).
        private func debug(
            _ message: @autoclosure () -> Logger.Message,
            _ extra: @autoclosure () -> Logger.Metadata = [:]
        ) {
            listener.logger.debug(
                message(),
                metadata: extra().merging(
                    [
                        "connection.peer": "\(peer ?? "?")",
                        "upstream.address": "\(TCPProxySession.text(upstreamAddress))",
                    ],
                    uniquingKeysWith: { _, connection in connection }
                )
            )
        }

        func relayUpstreamConnected(descriptor: Int32) {
            upstreamRow = table.add(fd: descriptor, labels: labels.with(direction: .upstream))
            listener.cluster.stats.increment(.upstreamConnectionsActive)
            debug("upstream connected")
        }

        func relayUpstreamConnectFailed(errorNumber: Int32, timedOut: Bool) {
            listener.cluster.stats.increment(timedOut ? .upstreamConnectTimeouts : .upstreamConnectFailures)
            listener.cluster.hostStats(for: upstreamAddress)?.connectFailed()
            // As on NIO: the failed connect also exhausts `max_connect_attempts` (1), so UF,URX as Envoy 1.40 logs it.
            accessLog.flags.append(contentsOf: ["UF", "URX"])
            debug(
                "upstream connect failed; closing downstream",
                ["error.number": "\(errorNumber)", "upstream.timed_out": "\(timedOut)"]
            )
        }

        func relayRead(_ side: RelaySide, count: Int) {
            switch side {
            case .downstream:
                listener.stats.increment(.downstreamBytesReceived, by: count)
                accessLog.bytesReceived += count
                downstreamRow?.bytesReceived += count
                upstreamRow?.bytesSent += count
            case .upstream:
                listener.stats.increment(.downstreamBytesSent, by: count)
                accessLog.bytesSent += count
                upstreamRow?.bytesReceived += count
                downstreamRow?.bytesSent += count
            }
        }

        func relayPausedReading(_ side: RelaySide) {
            switch side {
            case .downstream: listener.stats.increment(.downstreamFlowControlPaused)
            case .upstream: listener.cluster.stats.increment(.upstreamFlowControlPaused)
            }
        }

        func relayIdleTimedOut() {
            listener.stats.increment(.idleTimeout)
            debug(
                "idle timeout; closing both sides",
                ["idle_timeout": "\(listener.idleTimeout.map { "\($0)" } ?? "-")"]
            )
        }

        func relaySideClosed(_ side: RelaySide, facts: RelayCloseFacts) {
            let reason = CloseReason.classify(facts)
            switch side {
            case .downstream:
                if let downstreamRow { table.remove(downstreamRow) }
                downstreamRow = nil
                listener.stats.decrement(.downstreamConnectionsActive)
                listener.stats.increment(.downstreamConnectionsDestroyed)
                listener.stats.increment(reason.downstreamCounter)
                accessLog.write(
                    to: listener.logger,
                    peer: peer,
                    upstream: TCPProxySession.text(upstreamAddress),
                    reason: reason
                )
            case .upstream:
                if reason == .remoteReset {
                    // Envoy 1.40's UR; the relay closes the failed upstream first, so the line written when the
                    // downstream closes has it.
                    accessLog.flags.append("UR")
                }
                if let upstreamRow { table.remove(upstreamRow) }
                upstreamRow = nil
                listener.cluster.stats.decrement(.upstreamConnectionsActive)
                listener.cluster.stats.increment(reason.upstreamCounter)
            }
            debug("\(side.rawValue) connection closed", ["close.reason": "\(reason.rawValue)"])
        }

        func relayFinished() {
            listener.sessionFinished()
            whenFinished?(id)
            whenFinished = nil
        }
    }

    @available(*, unavailable)
    extension TCPProxyRelayObserver: Sendable {}
#endif
