import LifelineConfig
import LifelinePlan
import Logging
import NIOCore
import NIOPosix

/// One proxied TCP connection: the downstream channel and the upstream it dials on the same event loop, kept in its
/// loop's registry (which also watches it for idleness) until both are closed.
///
/// What to do when is decided by a ``TCPProxySessionStateMachine``; the session feeds it its sides' events and carries
/// out the actions it returns.
final class TCPProxySession {
    let downstream = TCPProxyGlueHandler(side: .downstream)
    let upstream = TCPProxyGlueHandler(side: .upstream)

    private let listener: TCPProxyListenerContext
    private let registry: TCPProxySessionRegistry
    private let downstreamChannel: any Channel
    /// The client as the connection knows it (a PROXY header's source, else the socket's peer), for log lines.
    private let downstreamPeer: SocketAddress?
    private let eventLoop: any EventLoop
    /// The endpoint dialled, once it is picked (for log lines).
    private var upstreamAddress: SocketAddress?
    /// The upstream channel once its connect succeeded.
    private var upstreamChannel: (any Channel)?
    private var state = TCPProxySessionStateMachine()
    /// For the access log line written when the downstream closes.
    private var accessLog = ConnectionAccessLog.Record(kind: "tcp_proxy")

    /// Must be made on the downstream channel's event loop, which `registry` belongs to.
    init(downstreamChannel: any Channel, listener: TCPProxyListenerContext, registry: TCPProxySessionRegistry) {
        self.downstreamChannel = downstreamChannel
        self.downstreamPeer = downstreamChannel.downstreamRemoteAddress
        self.eventLoop = downstreamChannel.eventLoop
        self.listener = listener
        self.registry = registry
        downstream.partner = upstream
        upstream.partner = downstream
        downstream.session = self
        upstream.session = self
        listener.sessionStarted()
        registry.add(self)
    }

    /// The connection's log metadata, built only when a line is actually logged.
    private func metadata(_ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata = extra
        metadata["connection.peer"] = "\(downstreamPeer.map(Self.text) ?? "?")"
        if let upstreamAddress {
            metadata["upstream.address"] = "\(Self.text(upstreamAddress))"
        }
        return metadata
    }

    private func debug(_ message: @autoclosure () -> Logger.Message, _ extra: @autoclosure () -> Logger.Metadata = [:])
    {
        listener.logger.debug(message(), metadata: metadata(extra()))
    }

    // MARK: Events from the glue handlers

    func sideBecameActive(_ side: TCPProxyGlueHandler.Side) {
        switch side {
        case .downstream:
            switch state.downstreamActive() {
            case .connectUpstream:
                listener.stats.increment(.downstreamConnectionsTotal)
                listener.stats.increment(.downstreamConnectionsActive)
                debug("downstream connection accepted")
                connectUpstream()
            }
        case .upstream:
            listener.cluster.stats.increment(.upstreamConnectionsActive)
        }
    }

    func sideBecameInactive(_ side: TCPProxyGlueHandler.Side, reason: CloseReason) {
        if side == .upstream, reason == .remoteReset {
            // Envoy 1.40's UR (upstream remote reset); the client is reset in turn by the glue.
            accessLog.flags.append("UR")
        }
        switch side == .downstream ? state.downstreamInactive() : state.upstreamInactive() {
        case .countThenFinish:
            countClose(side, reason: reason)
            finish()
        case .count:
            countClose(side, reason: reason)
        case .finish:
            finish()
        case .none:
            break
        }
    }

    private func countClose(_ side: TCPProxyGlueHandler.Side, reason: CloseReason) {
        switch side {
        case .downstream:
            listener.stats.decrement(.downstreamConnectionsActive)
            listener.stats.increment(.downstreamConnectionsDestroyed)
            listener.stats.increment(reason.downstreamCounter)
            accessLog.write(
                to: listener.logger,
                peer: downstreamPeer.map(Self.text),
                upstream: upstreamAddress.map(Self.text),
                reason: reason
            )
        case .upstream:
            listener.cluster.stats.decrement(.upstreamConnectionsActive)
            listener.cluster.stats.increment(reason.upstreamCounter)
        }
        debug("\(side.rawValue) connection closed", ["close.reason": "\(reason.rawValue)"])
    }

    func sideFailed(_ side: TCPProxyGlueHandler.Side, error: any Error) {
        debug("\(side.rawValue) connection failed", ["error": "\(error)"])
    }

    /// `bytes` were read on `side`; `forwarded` when they went straight on to the other side (bytes read upstream
    /// are then sent downstream). One call per read: it marks activity and counts the downstream bytes either way.
    func recordRead(_ side: TCPProxyGlueHandler.Side, bytes: Int, forwarded: Bool) {
        state.readSeen()
        switch side {
        case .downstream:
            listener.stats.increment(.downstreamBytesReceived, by: bytes)
            accessLog.bytesReceived += bytes
        case .upstream where forwarded:
            listener.stats.increment(.downstreamBytesSent, by: bytes)
            accessLog.bytesSent += bytes
        case .upstream: break
        }
    }

    func recordPausedReading(_ side: TCPProxyGlueHandler.Side) {
        switch side {
        case .downstream: listener.stats.increment(.downstreamFlowControlPaused)
        case .upstream: listener.cluster.stats.increment(.upstreamFlowControlPaused)
        }
    }

    // MARK: Upstream

    private func connectUpstream() {
        let cluster = listener.cluster
        let endpoint = cluster.pickEndpoint()
        cluster.stats.increment(.upstreamConnectionsTotal)
        cluster.hostStats(for: endpoint)?.connectionStarted()
        upstreamAddress = endpoint

        let limit = cluster.plan.bufferLimitBytes
        let logger = listener.logger
        let handler = NIOLoopBound(upstream, eventLoop: eventLoop)
        let tableHandler = NIOLoopBound(
            ConnectionTableHandler(table: registry.connections, labels: registry.labels.with(direction: .upstream)),
            eventLoop: eventLoop
        )
        var bootstrap = ClientBootstrap(group: eventLoop)
        for (option, value) in cluster.channelOptions {
            bootstrap = bootstrap.channelOption(option, value: value)
        }
        bootstrap
            .connectTimeout(TimeAmount(cluster.plan.connectTimeout))
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.writeBufferWaterMark, value: .init(low: max(1, limit / 2), high: limit))
            .channelOption(.recvAllocator, value: TCPProxyListenerContext.receiveBuffers)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(tableHandler.value)
                    // TLS originated to the endpoint: the glue writes plaintext into it, which it holds until the
                    // handshake is done.
                    if let tls = try cluster.makeTLSHandler() {
                        try channel.pipeline.syncOperations.addHandlers(
                            tls,
                            TLSHandshakeObserver(stats: cluster.stats, logger: logger, isServer: false)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(handler.value)
                }
            }
            .connect(to: endpoint)
            .assumeIsolated()
            .whenComplete { result in
                self.upstreamConnectFinished(result)
            }
    }

    private func upstreamConnectFinished(_ result: Result<any Channel, any Error>) {
        switch result {
        case .success(let channel):
            switch state.upstreamConnected() {
            case .proceed:
                upstreamChannel = channel
                debug("upstream connected")
            case .closeUpstream:
                channel.close(promise: nil)
            }
        case .failure(let error):
            switch state.upstreamConnectFailed() {
            case .countThenCloseDownstream:
                var timedOut = false
                if case ChannelError.connectTimeout = error { timedOut = true }
                listener.cluster.stats.increment(timedOut ? .upstreamConnectTimeouts : .upstreamConnectFailures)
                // Envoy's tcp_proxy also counts the attempt against `max_connect_attempts` (1 by default), which
                // a failed connect then exhausts: UF,URX, as Envoy 1.40 logs it.
                accessLog.flags.append(contentsOf: ["UF", "URX"])
                if let upstreamAddress {
                    listener.cluster.hostStats(for: upstreamAddress)?.connectFailed()
                }
                debug(
                    "upstream connect failed; closing downstream",
                    ["error": "\(error)", "upstream.timed_out": "\(timedOut)"]
                )
                downstreamChannel.close(promise: nil)
            case .finish:
                finish()
            case .none:
                break
            }
        }
    }

    /// `127.0.0.1:8080`, `[::1]:8080`.
    static func text(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    // MARK: Idle timeout and closing

    /// Called by the registry's idle sweep: how many sweeps in a row have now found this session quiet.
    func tickIdle() -> Int {
        state.idleTick()
    }

    /// tcp_proxy's `idle_timeout` expired: closes both sides (once), counted as an idle timeout.
    func closeIdle() {
        switch state.idleTimeoutExpired() {
        case .closeBoth:
            listener.stats.increment(.idleTimeout)
            debug(
                "idle timeout; closing both sides",
                ["idle_timeout": "\(listener.idleTimeout.map { "\($0)" } ?? "-")"]
            )
            downstream.idleTimeoutExpired()
            upstream.idleTimeoutExpired()
            close()
        case .none:
            break
        }
    }

    /// Closes both sides (a connecting upstream is closed by the downstream's close).
    func close() {
        switch state.close() {
        case .closeDownstream:
            downstreamChannel.close(promise: nil)
        case .closeDownstreamAndUpstream:
            downstreamChannel.close(promise: nil)
            upstreamChannel?.close(promise: nil)
        }
    }

    // MARK: End

    /// Both sides are closed: the registry lets the session go.
    private func finish() {
        registry.remove(self)
        downstream.session = nil
        upstream.session = nil
        listener.sessionFinished()
    }
}

@available(*, unavailable)
extension TCPProxySession: Sendable {}
