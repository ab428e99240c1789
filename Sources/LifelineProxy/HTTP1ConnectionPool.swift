import LifelinePlan
import NIOCore
import NIOHTTP1

/// One cluster's HTTP/1.1 connections on one event loop: keep-alive connections parked per endpoint between
/// exchanges, one exchange per connection at a time.
///
/// The endpoint is picked first (the cluster's `lb_policy`), then a parked connection to it is taken, the one parked
/// last first (LIFO, as Envoy's pools do): the connection used most recently is the least likely to have met the
/// endpoint's own keep-alive timeout, and the surplus at the bottom of the stack ages out through `idle_timeout`
/// after a burst. Envoy's default circuit breakers apply per cluster (across loops): over 1024 connections an
/// exchange waits for one to come back (up to 1024 waiting), over 1024 exchanges at once it fails with `overflow`.
final class HTTP1ConnectionPool: HTTPUpstreamPool {
    let eventLoop: any EventLoop
    private let context: HTTPUpstreamClusterContext
    /// Where the pool's connections are registered for the admin endpoint; nil leaves them out.
    private let connectionTable: ConnectionTable?
    private var cluster: UpstreamCluster { context.cluster }
    private var stats: ProxyStats { context.cluster.stats }
    /// Parked connections by endpoint; the last is the next handed out.
    private var parked: [SocketAddress: [HTTP1PooledConnection]] = [:]
    /// Every connection of the pool, connecting, busy or parked.
    private var connections: [ObjectIdentifier: HTTP1PooledConnection] = [:]
    /// Exchanges waiting because the cluster is at `max_connections`, oldest first.
    private var waiters: [Waiter] = []
    private var closing: EventLoopPromise<Void>?

    private struct Waiter {
        let endpoint: SocketAddress
        let promise: EventLoopPromise<HTTPUpstreamExchange>
    }

    init(context: HTTPUpstreamClusterContext, eventLoop: any EventLoop, connections: ConnectionTable? = nil) {
        self.context = context
        self.eventLoop = eventLoop
        self.connectionTable = connections
    }

    /// Connections open or opening now (for tests and the admin page).
    var connectionCount: Int { connections.count }
    /// Connections parked now.
    var parkedCount: Int { parked.values.reduce(0) { $0 + $1.count } }

    func exchange() -> EventLoopFuture<HTTPUpstreamExchange> {
        eventLoop.preconditionInEventLoop()
        if closing != nil { return eventLoop.makeFailedFuture(HTTPUpstreamFailure.poolClosed) }
        if let failure = context.admitRequest() { return eventLoop.makeFailedFuture(failure) }
        let endpoint = cluster.pickEndpoint()
        let promise = eventLoop.makePromise(of: HTTPUpstreamExchange.self)
        if let connection = parked[endpoint]?.popLast() {
            handOut(connection, to: promise)
        } else if context.tryAcquire(.connection) {
            connect(endpoint, for: promise)
        } else if context.tryAcquire(.pendingRequest) {
            stats.increment(.upstreamConnectionsOverflow)
            stats.increment(.upstreamRequestsPendingTotal)
            stats.increment(.upstreamRequestsPendingActive)
            waiters.append(Waiter(endpoint: endpoint, promise: promise))
        } else {
            stats.increment(.upstreamConnectionsOverflow)
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
        for waiter in waiters {
            context.abandonWaitingRequest(waiter.promise, failure: .poolClosed)
        }
        waiters = []
        for connection in parked.values.joined() {
            connection.close()
        }
        parked = [:]
        finishClosingIfDone()
        return promise.futureResult
    }

    // MARK: Connections

    private func connect(_ endpoint: SocketAddress, for promise: EventLoopPromise<HTTPUpstreamExchange>) {
        let connection = HTTP1PooledConnection(endpoint: endpoint)
        let key = ObjectIdentifier(connection)
        connections[key] = connection
        stats.increment(.upstreamConnectionsHTTP1Total)
        let observer = NIOLoopBound(connection.observer, eventLoop: eventLoop)
        HTTPUpstreamConnector.connect(
            context: context,
            endpoint: endpoint,
            eventLoop: eventLoop,
            table: connectionTable,
            kind: .http1Pool
        ) { channel in
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(observer.value)
        }
        .assumeIsolated()
        .whenComplete { result in
            switch result {
            case .success(let channel):
                connection.channel = channel
                connection.observer.onClose = { [unowned self] in self.connectionClosed(connection) }
                if !channel.isActive {
                    self.connectionClosed(connection)
                    self.fail(promise, .connectFailure("closed while connecting"))
                } else if self.closing != nil {
                    connection.close()
                    self.fail(promise, .poolClosed)
                } else {
                    self.handOut(connection, to: promise)
                }
            case .failure(let error):
                connection.state = .closed
                self.connections[key] = nil
                self.context.release(.connection)
                self.fail(promise, error as? HTTPUpstreamFailure ?? .connectFailure("\(error)"))
                self.connectionCapacityFreed()
            }
        }
    }

    private func fail(_ promise: EventLoopPromise<HTTPUpstreamExchange>, _ failure: HTTPUpstreamFailure) {
        context.release(.request)
        promise.fail(failure)
        finishClosingIfDone()
    }

    private func handOut(_ connection: HTTP1PooledConnection, to promise: EventLoopPromise<HTTPUpstreamExchange>) {
        let reused = connection.exchanges > 0
        if case .parked(let timer) = connection.state { timer?.cancel() }
        connection.state = .busy
        connection.exchanges += 1
        connection.observer.parked = false
        connection.observer.reset()
        stats.increment(.upstreamRequestsTotal)
        stats.increment(.upstreamRequestsActive)
        let pool = NIOLoopBound(self, eventLoop: eventLoop)
        var finished = false
        let exchange = HTTPUpstreamExchange(
            channel: connection.channel!,
            version: .http1_1,
            endpoint: connection.endpoint,
            reused: reused,
            finish: { reusable in
                guard !finished else { return }
                finished = true
                pool.value.finish(connection, reusable: reusable)
            }
        )
        promise.assumeIsolated().succeed(exchange)
    }

    private func finish(_ connection: HTTP1PooledConnection, reusable: Bool) {
        stats.decrement(.upstreamRequestsActive)
        context.release(.request)
        guard case .busy = connection.state, let channel = connection.channel else { return }
        if connection.observer.closeNotified { stats.increment(.upstreamConnectionsCloseNotify) }
        var keep = reusable && connection.observer.allowsReuse && closing == nil && channel.isActive
        if keep, let limit = cluster.plan.http.maxRequestsPerConnection, connection.exchanges >= limit {
            stats.increment(.upstreamConnectionsMaxRequests)
            keep = false
        }
        guard keep else {
            connection.close()
            return
        }
        let removed: EventLoopFuture<Void>
        do {
            let user = try channel.pipeline.syncOperations.context(name: HTTPUpstreamExchange.handlerName)
            removed = channel.pipeline.syncOperations.removeHandler(context: user)
        } catch {
            // The user's handler is not there (never added, or removed already): nothing to take out.
            removed = eventLoop.makeSucceededVoidFuture()
        }
        removed.assumeIsolated().whenComplete { result in
            guard case .success = result, channel.isActive, case .busy = connection.state else {
                connection.close()
                return
            }
            self.park(connection)
        }
    }

    /// A connection whose exchange ended cleanly: the oldest exchange waiting for this endpoint takes it, else it
    /// is parked until the idle timeout.
    private func park(_ connection: HTTP1PooledConnection) {
        if let index = waiters.firstIndex(where: { $0.endpoint == connection.endpoint }) {
            let waiter = waiters.remove(at: index)
            stats.decrement(.upstreamRequestsPendingActive)
            context.release(.pendingRequest)
            handOut(connection, to: waiter.promise)
            return
        }
        let timer = cluster.plan.http.idleTimeout.map { idleTimeout in
            eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(idleTimeout)) {
                connection.close(reason: .upstreamIdleTimeout)
            }
        }
        connection.state = .parked(idleTimer: timer)
        connection.observer.parked = true
        parked[connection.endpoint, default: []].append(connection)
    }

    /// The connection's channel is inactive: forget it, count how it ended, and let a waiting exchange connect.
    private func connectionClosed(_ connection: HTTP1PooledConnection) {
        let wasParked = connection.isParked
        if case .parked(let timer) = connection.state { timer?.cancel() }
        connection.state = .closed
        guard connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        if wasParked {
            parked[connection.endpoint]?.removeAll { $0 === connection }
        }
        context.release(.connection)
        if let reason = connection.localCloseReason {
            if reason != .upstreamClosedLocally { stats.increment(reason) }
            stats.increment(.upstreamClosedLocally)
        } else {
            stats.increment(.upstreamClosedByRemote)
        }
        connectionCapacityFreed()
        finishClosingIfDone()
    }

    /// A connection slot of the cluster came free: the oldest waiting exchange dials.
    private func connectionCapacityFreed() {
        while !waiters.isEmpty, context.tryAcquire(.connection) {
            let waiter = waiters.removeFirst()
            stats.decrement(.upstreamRequestsPendingActive)
            context.release(.pendingRequest)
            connect(waiter.endpoint, for: waiter.promise)
        }
    }

    private func finishClosingIfDone() {
        guard let closing, connections.isEmpty else { return }
        closing.succeed()
    }
}

@available(*, unavailable)
extension HTTP1ConnectionPool: Sendable {}
