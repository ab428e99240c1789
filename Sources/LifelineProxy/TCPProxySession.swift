import LifelineConfig
import LifelinePlan
import Logging
import NIOCore
import NIOPosix

/// One proxied TCP connection: the downstream channel, the upstream it dials on the same event loop, and the idle
/// timer that watches both.
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
    private let downstreamChannel: any Channel
    private let eventLoop: any EventLoop
    private var logger: Logger
    private var upstreamState = UpstreamState.notStarted
    private var downstreamOpen = true
    private var finished = false
    private var idleTimer: Scheduled<Void>?
    private var lastActivity = NIODeadline.now()

    init(downstreamChannel: any Channel, listener: TCPProxyListenerContext) {
        self.downstreamChannel = downstreamChannel
        self.eventLoop = downstreamChannel.eventLoop
        self.listener = listener
        var logger = listener.logger
        logger[metadataKey: "connection.peer"] = "\(downstreamChannel.remoteAddress.map(Self.text) ?? "?")"
        self.logger = logger
        downstream.partner = upstream
        upstream.partner = downstream
        downstream.session = self
        upstream.session = self
        listener.sessionStarted()
    }

    // MARK: Events from the glue handlers

    func sideBecameActive(_ side: TCPProxyGlueHandler.Side) {
        switch side {
        case .downstream:
            listener.stats.increment(.downstreamConnectionsTotal)
            listener.stats.increment(.downstreamConnectionsActive)
            logger.debug("downstream connection accepted")
            connectUpstream()
            if let timeout = listener.idleTimeout {
                scheduleIdleCheck(in: timeout)
            }
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
            logger.debug("downstream connection closed", metadata: ["close.reason": "\(reason.rawValue)"])
            if case .notStarted = upstreamState {
                upstreamState = .closed
            }
        case .upstream:
            if case .connected = upstreamState {
                listener.cluster.stats.decrement(.upstreamConnectionsActive)
                listener.cluster.stats.increment(Self.upstreamCounter(reason))
                logger.debug("upstream connection closed", metadata: ["close.reason": "\(reason.rawValue)"])
            }
            upstreamState = .closed
        }
        finishIfDone()
    }

    func sideFailed(_ side: TCPProxyGlueHandler.Side, error: any Error) {
        logger.debug("\(side.rawValue) connection failed", metadata: ["error": "\(error)"])
    }

    func recordRead(_ side: TCPProxyGlueHandler.Side, bytes: Int) {
        lastActivity = .now()
        if side == .downstream {
            listener.stats.increment(.downstreamBytesReceived, by: bytes)
        }
    }

    func recordWrite(_ side: TCPProxyGlueHandler.Side, bytes: Int) {
        if side == .downstream {
            listener.stats.increment(.downstreamBytesSent, by: bytes)
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
        logger[metadataKey: "upstream.address"] = "\(Self.text(endpoint))"

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
            logger.debug("upstream connected")
        case .failure(let error):
            guard downstreamOpen else {
                upstreamState = .closed
                finishIfDone()
                return
            }
            var timedOut = false
            if case ChannelError.connectTimeout = error { timedOut = true }
            listener.cluster.stats.increment(timedOut ? .upstreamConnectTimeouts : .upstreamConnectFailures)
            logger.debug(
                "upstream connect failed; closing downstream",
                metadata: ["error": "\(error)", "upstream.timed_out": "\(timedOut)"]
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

    // MARK: Idle timeout

    private func scheduleIdleCheck(in delay: Duration) {
        idleTimer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
            self.checkIdle()
        }
    }

    private func checkIdle() {
        guard downstreamOpen, let timeout = listener.idleTimeout else { return }
        let idle = NIODeadline.now() - lastActivity
        let limit = TimeAmount(timeout)
        if idle >= limit {
            listener.stats.increment(.idleTimeout)
            logger.debug("idle timeout; closing both sides", metadata: ["idle_timeout": "\(timeout)"])
            downstream.localReason = .idleTimeout
            upstream.localReason = .idleTimeout
            downstreamChannel.close(promise: nil)
            if case .connected(let channel) = upstreamState {
                channel.close(promise: nil)
            }
        } else {
            scheduleIdleCheck(in: Duration(limit - idle))
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
            idleTimer?.cancel()
            idleTimer = nil
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

extension Duration {
    init(_ amount: TimeAmount) {
        self = .nanoseconds(amount.nanoseconds)
    }
}
