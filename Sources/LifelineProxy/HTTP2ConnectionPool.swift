import LifelinePlan
import NIOCore
import NIOHTTP1
import NIOHTTP2

/// One cluster's HTTP/2 connections on one event loop: each exchange is a new stream, multiplexed on a shared
/// connection to the picked endpoint.
///
/// A connection takes at most min(the peer's SETTINGS_MAX_CONCURRENT_STREAMS, the cluster's
/// `max_concurrent_streams`) streams; when every connection to the endpoint is full, exchanges wait and more
/// connections are opened, as many as the waiting exchanges need at the stream limit learned from the endpoint (as
/// Envoy does). A GOAWAY, or `max_requests_per_connection` streams opened, stops new streams on its connection, which
/// closes when its last stream ends; a connection without streams is closed after `idle_timeout`; PINGs follow
/// ``HTTP2KeepaliveStateMachine``.
final class HTTP2ConnectionPool: HTTPUpstreamPool {
    /// How many streams a connection is expected to take before its endpoint has said (NIOHTTP2's own assumption).
    static let assumedStreamLimit = 100
    /// SETTINGS_MAX_HEADER_LIST_SIZE: Envoy's default `max_response_headers_kb`, 60 KiB.
    static let maxHeaderListSize = 60 * 1024

    let eventLoop: any EventLoop
    private let context: HTTPUpstreamClusterContext
    /// Where the pool's connections are registered for the admin endpoint; nil leaves them out.
    private let connectionTable: ConnectionTable?
    private let options: Http2ProtocolOptionsPlan
    private let keepalivePolicy: HTTP2KeepaliveStateMachine.Policy
    private var cluster: UpstreamCluster { context.cluster }
    private var stats: ProxyStats { context.cluster.stats }
    /// Every connection, oldest first.
    private var connections: [HTTP2PooledConnection] = []
    /// Exchanges waiting for a stream, oldest first.
    private var waiters: [Waiter] = []
    /// The stream limit each endpoint announced last.
    private var learnedStreamLimit: [SocketAddress: Int] = [:]
    private var closing: EventLoopPromise<Void>?

    private struct Waiter {
        let endpoint: SocketAddress
        let promise: EventLoopPromise<HTTPUpstreamExchange>
    }

    init(context: HTTPUpstreamClusterContext, eventLoop: any EventLoop, connections: ConnectionTable? = nil) {
        self.context = context
        self.eventLoop = eventLoop
        self.connectionTable = connections
        self.options = context.cluster.plan.http.http2 ?? Http2ProtocolOptionsPlan()
        self.keepalivePolicy = .forPlan(options)
    }

    /// Connections open or opening now (for tests and the admin page).
    var connectionCount: Int { connections.count }

    func exchange() -> EventLoopFuture<HTTPUpstreamExchange> {
        eventLoop.preconditionInEventLoop()
        if closing != nil { return eventLoop.makeFailedFuture(HTTPUpstreamFailure.poolClosed) }
        if let failure = context.admitRequest() { return eventLoop.makeFailedFuture(failure) }
        let endpoint = cluster.pickEndpoint()
        let promise = eventLoop.makePromise(of: HTTPUpstreamExchange.self)
        if let connection = available(endpoint) {
            openStream(on: connection, for: promise)
        } else if context.tryAcquire(.pendingRequest) {
            stats.increment(.upstreamRequestsPendingTotal)
            stats.increment(.upstreamRequestsPendingActive)
            waiters.append(Waiter(endpoint: endpoint, promise: promise))
            schedule(endpoint)
        } else {
            stats.increment(.upstreamRequestsPendingOverflow)
            context.release(.request)
            promise.fail(HTTPUpstreamFailure.overflow)
        }
        return promise.futureResult
    }

    func close() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        if let closing { return closing.futureResult }
        let promise = eventLoop.makePromise(of: Void.self)
        closing = promise
        let dropped = waiters
        waiters = []
        for waiter in dropped {
            context.abandonWaitingRequest(waiter.promise, failure: .poolClosed)
        }
        for connection in connections {
            switch connection.state {
            case .ready, .draining:
                connection.state = .draining
                if connection.openStreams == 0 { connection.close() }
            case .connecting:
                connection.close()
            case .closed:
                break
            }
        }
        finishClosingIfDone()
        return promise.futureResult
    }

    // MARK: Streams

    private func available(_ endpoint: SocketAddress) -> HTTP2PooledConnection? {
        connections.first { connection in
            connection.endpoint == endpoint && connection.state == .ready
                && connection.openStreams < connection.streamLimit(configured: options.maxConcurrentStreams)
        }
    }

    private func openStream(
        on connection: HTTP2PooledConnection,
        for promise: EventLoopPromise<HTTPUpstreamExchange>
    ) {
        guard let multiplexer = connection.multiplexer, let channel = connection.channel else {
            preconditionFailure("a ready connection has a channel and a multiplexer")
        }
        let reused = connection.streamsOpened > 0
        connection.openStreams += 1
        connection.streamsOpened += 1
        if let limit = cluster.plan.http.maxRequestsPerConnection, connection.streamsOpened >= limit {
            // Its last stream: the connection drains and closes once its streams end.
            stats.increment(.upstreamConnectionsMaxRequests)
            connection.state = .draining
        }
        connection.idleTimer?.cancel()
        connection.idleTimer = nil
        connection.keepalive.streamsChanged(open: connection.openStreams, at: .now())
        rearmKeepalive(connection)
        stats.increment(.upstreamRequestsTotal)
        stats.increment(.upstreamRequestsActive)
        let scheme: HTTP2FramePayloadToHTTP1ClientCodec.HTTPProtocol = cluster.plan.tls == nil ? .http : .https
        let boundConnection = NIOLoopBound(connection, eventLoop: eventLoop)
        multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                let connection = boundConnection.value
                try stream.pipeline.syncOperations.addHandlers(
                    HTTP2StreamRefusalHandler { connection.goAwayLastStreamID },
                    HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: scheme)
                )
            }
        }
        .assumeIsolated()
        .whenComplete { result in
            switch result {
            case .success(let stream):
                stream.closeFuture.assumeIsolated().whenComplete { _ in
                    self.streamClosed(on: connection)
                }
                let stats = self.stats
                let context = self.context
                var finished = false
                let exchange = HTTPUpstreamExchange(
                    channel: stream,
                    version: .http2,
                    endpoint: connection.endpoint,
                    reused: reused,
                    finish: { reusable in
                        guard !finished else { return }
                        finished = true
                        stats.decrement(.upstreamRequestsActive)
                        context.release(.request)
                        // A stream that ended both ways closes by itself; one cut short is reset.
                        if !reusable { stream.close(promise: nil) }
                    }
                )
                promise.assumeIsolated().succeed(exchange)
            case .failure(let error):
                self.stats.decrement(.upstreamRequestsActive)
                self.context.release(.request)
                self.streamClosed(on: connection)
                promise.fail(
                    channel.isActive
                        ? HTTPUpstreamFailure.connectFailure("stream: \(error)")
                        : HTTPUpstreamFailure.connectFailure("connection closed")
                )
            }
        }
    }

    private func streamClosed(on connection: HTTP2PooledConnection) {
        connection.openStreams -= 1
        connection.keepalive.streamsChanged(open: connection.openStreams, at: .now())
        if connection.openStreams == 0 {
            switch connection.state {
            case .draining:
                connection.close()
            case .ready:
                if closing != nil {
                    connection.state = .draining
                    connection.close()
                } else if let idleTimeout = cluster.plan.http.idleTimeout {
                    connection.idleTimer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(idleTimeout)) {
                        connection.state = .draining
                        connection.close(reason: .upstreamIdleTimeout)
                    }
                }
            case .connecting, .closed:
                break
            }
        }
        schedule(connection.endpoint)
    }

    /// Gives waiting exchanges for `endpoint` streams on its ready connections, and opens as many connections as the
    /// rest need, at the stream limit the endpoint announced (as far as the circuit breaker allows).
    private func schedule(_ endpoint: SocketAddress) {
        while let index = waiters.firstIndex(where: { $0.endpoint == endpoint }), let connection = available(endpoint) {
            let waiter = waiters.remove(at: index)
            stats.decrement(.upstreamRequestsPendingActive)
            context.release(.pendingRequest)
            openStream(on: connection, for: waiter.promise)
        }
        guard closing == nil else { return }
        let waiting = waiters.count(where: { $0.endpoint == endpoint })
        guard waiting > 0 else { return }
        let perConnection = max(
            1,
            min(options.maxConcurrentStreams, learnedStreamLimit[endpoint] ?? Self.assumedStreamLimit)
        )
        let connecting = connections.count(where: { $0.endpoint == endpoint && $0.state == .connecting })
        var needed = (waiting + perConnection - 1) / perConnection - connecting
        while needed > 0 {
            guard context.tryAcquire(.connection) else {
                stats.increment(.upstreamConnectionsOverflow)
                return
            }
            connect(endpoint)
            needed -= 1
        }
    }

    // MARK: Connections

    private func connect(_ endpoint: SocketAddress) {
        let connection = HTTP2PooledConnection(
            endpoint: endpoint,
            keepalive: HTTP2KeepaliveStateMachine(policy: keepalivePolicy, now: .now(), jitter: .random(in: 0...1))
        )
        connections.append(connection)
        stats.increment(.upstreamConnectionsHTTP2Total)
        let boundConnection = NIOLoopBound(connection, eventLoop: eventLoop)
        let boundPool = NIOLoopBound(self, eventLoop: eventLoop)
        let options = self.options
        HTTPUpstreamConnector.connect(
            context: context,
            endpoint: endpoint,
            eventLoop: eventLoop,
            table: connectionTable,
            kind: .http2Pool
        ) { channel in
            let connection = boundConnection.value
            let pool = boundPool.value
            var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
            connectionConfiguration.initialSettings = [
                HTTP2Setting(parameter: .enablePush, value: 0),
                HTTP2Setting(parameter: .initialWindowSize, value: Self.windowSize(options.initialStreamWindowSize)),
                HTTP2Setting(parameter: .maxHeaderListSize, value: Self.maxHeaderListSize),
            ]
            connectionConfiguration.targetWindowSize = Self.windowSize(options.initialConnectionWindowSize)
            var streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
            streamConfiguration.targetWindowSize = Self.windowSize(options.initialStreamWindowSize)
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(
                HTTP2ReceiveObserver { connection.keepalive.received(at: .now()) }
            )
            connection.multiplexer = try sync.configureHTTP2Pipeline(
                mode: .client,
                connectionConfiguration: connectionConfiguration,
                streamConfiguration: streamConfiguration
            ) { pushed in
                pushed.close()
            }
            try sync.addHandler(
                HTTP2ConnectionObserver(
                    connectionWindowIncrement: Self.windowSize(options.initialConnectionWindowSize) - 65_535,
                    events: .init(
                        settings: { pool.settingsReceived(on: connection, maxConcurrentStreams: $0) },
                        goAway: { pool.goAwayReceived(on: connection, lastStreamID: $0) },
                        pingAnswered: { pool.rearmKeepalive(connection) },
                        closed: { pool.connectionClosed(connection) }
                    )
                )
            )
        }
        .assumeIsolated()
        .whenComplete { result in
            switch result {
            case .success(let channel):
                connection.channel = channel
                if self.closing != nil {
                    connection.close()
                } else if connection.state == .connecting {
                    self.becomeReadyIfPossible(connection)
                    if connection.state == .connecting {
                        // The peer's SETTINGS must follow within connect_timeout as well.
                        let timeout = TimeAmount(self.cluster.plan.connectTimeout)
                        connection.settingsTimer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                            self.stats.increment(.upstreamConnectTimeouts)
                            connection.settingsTimedOut = true
                            connection.close()
                        }
                    }
                }
            case .failure(let error):
                self.connectFailed(connection, error as? HTTPUpstreamFailure ?? .connectFailure("\(error)"))
            }
        }
    }

    private static func windowSize(_ size: Int) -> Int {
        min(max(size, 65_535), Int(Int32.max))
    }

    private func connectFailed(_ connection: HTTP2PooledConnection, _ failure: HTTPUpstreamFailure) {
        connection.state = .closed
        connection.cancelTimers()
        connections.removeAll { $0 === connection }
        context.release(.connection)
        // The exchanges waiting for this endpoint fail, unless another connection to it is still coming up.
        let endpoint = connection.endpoint
        if !connections.contains(where: { $0.endpoint == endpoint && $0.state == .connecting }) {
            let failed = waiters.filter { $0.endpoint == endpoint }
            waiters.removeAll { $0.endpoint == endpoint }
            for waiter in failed {
                context.abandonWaitingRequest(waiter.promise, failure: failure)
            }
        }
        finishClosingIfDone()
    }

    private func settingsReceived(on connection: HTTP2PooledConnection, maxConcurrentStreams: Int?) {
        if let maxConcurrentStreams {
            connection.peerMaxConcurrentStreams = maxConcurrentStreams
            learnedStreamLimit[connection.endpoint] = maxConcurrentStreams
        }
        connection.settingsReceived = true
        becomeReadyIfPossible(connection)
        schedule(connection.endpoint)
    }

    private func becomeReadyIfPossible(_ connection: HTTP2PooledConnection) {
        guard connection.state == .connecting, connection.settingsReceived, connection.channel != nil else { return }
        connection.state = .ready
        connection.settingsTimer?.cancel()
        connection.settingsTimer = nil
        if connection.openStreams == 0, let idleTimeout = cluster.plan.http.idleTimeout {
            connection.idleTimer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(idleTimeout)) {
                connection.state = .draining
                connection.close(reason: .upstreamIdleTimeout)
            }
        }
        rearmKeepalive(connection)
        schedule(connection.endpoint)
    }

    private func goAwayReceived(on connection: HTTP2PooledConnection, lastStreamID: HTTP2StreamID) {
        stats.increment(.upstreamConnectionsCloseNotify)
        connection.goAwayLastStreamID = min(connection.goAwayLastStreamID ?? lastStreamID, lastStreamID)
        guard connection.state != .closed else { return }
        connection.state = .draining
        if connection.openStreams == 0 { connection.close() }
        schedule(connection.endpoint)
    }

    /// The connection's channel is inactive: forget it, count how it ended, and find the waiting exchanges another.
    private func connectionClosed(_ connection: HTTP2PooledConnection) {
        let neverReady = connection.state == .connecting
        connection.state = .closed
        connection.cancelTimers()
        guard connections.contains(where: { $0 === connection }) else { return }
        if let reason = connection.localCloseReason {
            if reason != .upstreamClosedLocally { stats.increment(reason) }
            stats.increment(.upstreamClosedLocally)
        } else {
            stats.increment(.upstreamClosedByRemote)
        }
        if neverReady {
            // Connected, but no HTTP/2 came back: for the waiting exchanges this is a failed connect.
            connectFailed(
                connection,
                connection.settingsTimedOut
                    ? .connectTimeout : .connectFailure("closed before the peer's HTTP/2 SETTINGS")
            )
            return
        }
        connections.removeAll { $0 === connection }
        context.release(.connection)
        for endpoint in Set(waiters.map(\.endpoint)) {
            schedule(endpoint)
        }
        finishClosingIfDone()
    }

    // MARK: Keepalive

    /// Keeps one timer at the keepalive's next deadline (an earlier one replaces a later one; a timer that fires
    /// early finds nothing to do and re-arms).
    private func rearmKeepalive(_ connection: HTTP2PooledConnection) {
        guard connection.state != .closed, let deadline = connection.keepalive.nextDeadline else { return }
        if let current = connection.keepaliveTimer, current.deadline <= deadline { return }
        connection.keepaliveTimer?.task.cancel()
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            connection.keepaliveTimer = nil
            self.keepaliveTimerFired(connection)
        }
        connection.keepaliveTimer = (task, deadline)
    }

    private func keepaliveTimerFired(_ connection: HTTP2PooledConnection) {
        guard connection.state != .closed, let channel = connection.channel else { return }
        switch connection.keepalive.timerFired(at: .now(), jitter: .random(in: 0...1)) {
        case .none:
            break
        case .sendPing:
            let ping = HTTP2Frame(
                streamID: .rootStream,
                payload: .ping(HTTP2PingData(withInteger: .random(in: 0...UInt64.max)), ack: false)
            )
            channel.writeAndFlush(ping, promise: nil)
        case .closeConnection:
            stats.increment(.http2KeepaliveTimeout)
            connection.localCloseReason = .upstreamClosedLocally
            channel.close(promise: nil)
            return
        }
        rearmKeepalive(connection)
    }

    // MARK: Closing

    private func finishClosingIfDone() {
        guard let closing, connections.isEmpty else { return }
        closing.succeed()
    }
}

@available(*, unavailable)
extension HTTP2ConnectionPool: Sendable {}
