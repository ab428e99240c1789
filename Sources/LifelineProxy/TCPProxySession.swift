import LifelineConfig
import LifelinePlan
import Logging
import NIOCore
import NIOPosix

/// One proxied TCP connection: the downstream channel and the upstream it dials on the same event loop, kept in its
/// loop's registry (which also watches it for idleness) until both are closed.
final class TCPProxySession {
    private enum UpstreamState {
        case notStarted
        case connecting
        case connected(any Channel)
        case closed
    }

    let downstream = TCPProxyGlueHandler(side: .downstream)
    let upstream = TCPProxyGlueHandler(side: .upstream)

    private let listener: TCPProxyListenerContext
    private let registry: TCPProxySessionRegistry
    private let downstreamChannel: any Channel
    private let eventLoop: any EventLoop
    /// The endpoint dialled, once it is picked (for log lines).
    private var upstreamAddress: SocketAddress?
    private var upstreamState = UpstreamState.notStarted
    private var downstreamOpen = true
    private var finished = false
    /// Bytes were read on either side since the registry's last idle sweep.
    private var sawActivity = true
    /// Idle sweeps in a row that found no activity.
    private var idleTicks = 0
    private var closedForIdleness = false

    /// Must be made on the downstream channel's event loop, which `registry` belongs to.
    init(downstreamChannel: any Channel, listener: TCPProxyListenerContext, registry: TCPProxySessionRegistry) {
        self.downstreamChannel = downstreamChannel
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
        metadata["connection.peer"] = "\(downstreamChannel.remoteAddress.map(Self.text) ?? "?")"
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
            listener.stats.increment(.downstreamConnectionsTotal)
            listener.stats.increment(.downstreamConnectionsActive)
            debug("downstream connection accepted")
            connectUpstream()
        case .upstream:
            listener.cluster.stats.increment(.upstreamConnectionsActive)
        }
    }

    func sideBecameInactive(_ side: TCPProxyGlueHandler.Side, reason: CloseReason) {
        switch side {
        case .downstream:
            guard downstreamOpen else { return }
            downstreamOpen = false
            listener.stats.decrement(.downstreamConnectionsActive)
            listener.stats.increment(.downstreamConnectionsDestroyed)
            listener.stats.increment(Self.downstreamCounter(reason))
            debug("downstream connection closed", ["close.reason": "\(reason.rawValue)"])
            if case .notStarted = upstreamState {
                upstreamState = .closed
            }
        case .upstream:
            if case .connected = upstreamState {
                listener.cluster.stats.decrement(.upstreamConnectionsActive)
                listener.cluster.stats.increment(Self.upstreamCounter(reason))
                debug("upstream connection closed", ["close.reason": "\(reason.rawValue)"])
            }
            upstreamState = .closed
        }
        finishIfDone()
    }

    func sideFailed(_ side: TCPProxyGlueHandler.Side, error: any Error) {
        debug("\(side.rawValue) connection failed", ["error": "\(error)"])
    }

    /// `bytes` were read on `side`; `forwarded` when they went straight on to the other side (bytes read upstream
    /// are then sent downstream). One call per read: it marks activity and counts the downstream bytes either way.
    func recordRead(_ side: TCPProxyGlueHandler.Side, bytes: Int, forwarded: Bool) {
        sawActivity = true
        switch side {
        case .downstream: listener.stats.increment(.downstreamBytesReceived, by: bytes)
        case .upstream where forwarded: listener.stats.increment(.downstreamBytesSent, by: bytes)
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
        upstreamState = .connecting
        cluster.stats.increment(.upstreamConnectionsTotal)
        upstreamAddress = endpoint

        let limit = cluster.plan.bufferLimitBytes
        let handler = NIOLoopBound(upstream, eventLoop: eventLoop)
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
            guard downstreamOpen else {
                channel.close(promise: nil)
                return
            }
            if case .connecting = upstreamState {
                upstreamState = .connected(channel)
            }
            debug("upstream connected")
        case .failure(let error):
            guard downstreamOpen else {
                upstreamState = .closed
                finishIfDone()
                return
            }
            var timedOut = false
            if case ChannelError.connectTimeout = error { timedOut = true }
            listener.cluster.stats.increment(timedOut ? .upstreamConnectTimeouts : .upstreamConnectFailures)
            debug(
                "upstream connect failed; closing downstream",
                ["error": "\(error)", "upstream.timed_out": "\(timedOut)"]
            )
            upstreamState = .closed
            downstreamChannel.close(promise: nil)
            finishIfDone()
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
        if sawActivity {
            sawActivity = false
            idleTicks = 0
        } else {
            idleTicks += 1
        }
        return idleTicks
    }

    /// tcp_proxy's `idle_timeout` expired: closes both sides (once), counted as an idle timeout.
    func closeIdle() {
        guard downstreamOpen, !closedForIdleness else { return }
        closedForIdleness = true
        listener.stats.increment(.idleTimeout)
        debug("idle timeout; closing both sides", ["idle_timeout": "\(listener.idleTimeout.map { "\($0)" } ?? "-")"])
        downstream.idleTimeoutExpired()
        upstream.idleTimeoutExpired()
        close()
    }

    /// Closes both sides.
    func close() {
        downstreamChannel.close(promise: nil)
        if case .connected(let channel) = upstreamState {
            channel.close(promise: nil)
        }
    }

    private static func downstreamCounter(_ reason: CloseReason) -> ProxyStats.Name {
        switch reason {
        case .local: .downstreamClosedLocally
        case .remoteFIN: .downstreamClosedByRemote
        case .remoteReset: .downstreamReset
        case .keepaliveTimeout: .downstreamKeepaliveTimeout
        case .userTimeout: .downstreamUserTimeout
        case .idleTimeout: .downstreamIdleTimeout
        }
    }

    private static func upstreamCounter(_ reason: CloseReason) -> ProxyStats.Name {
        switch reason {
        case .local: .upstreamClosedLocally
        case .remoteFIN: .upstreamClosedByRemote
        case .remoteReset: .upstreamReset
        case .keepaliveTimeout: .upstreamKeepaliveTimeout
        case .userTimeout: .upstreamUserTimeout
        case .idleTimeout: .upstreamIdleTimeout
        }
    }

    // MARK: End

    private func finishIfDone() {
        guard !downstreamOpen, !finished else { return }
        switch upstreamState {
        case .closed, .notStarted:
            finished = true
            registry.remove(self)
            downstream.session = nil
            upstream.session = nil
            listener.sessionFinished()
        case .connecting, .connected:
            return
        }
    }
}

@available(*, unavailable)
extension TCPProxySession: Sendable {}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
