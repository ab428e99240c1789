import LifelinePlan
import NIOCore
import NIOHTTP1

/// One request in flight on an ``HTTPStreamHandler``: its state machine, its upstream exchange, its timers and
/// what the access log line will say. Lives on the downstream channel's event loop, which the upstream exchange
/// shares.
final class HTTPActiveStream {
    /// Weak: exchange and timer callbacks may outlive the connection.
    private(set) weak var handler: HTTPStreamHandler?
    let head: HTTPRequestHead
    let eventLoop: any EventLoop
    let grpc: Bool
    let start = NIODeadline.now()
    let startTime = ContinuousClock.now
    var state = HTTPStreamStateMachine()
    var finished = false

    // Routing.
    var forward: ForwardPlan?
    var clusterName: String?
    /// Response header mutations, most specific first (weighted cluster, route, virtual host, configuration).
    var responseMutations: [HeaderMutationPlan] = []
    var upstreamHead: HTTPRequestHead?
    var pool: (any HTTPUpstreamPool)?

    // The exchange.
    var exchange: HTTPUpstreamExchange?
    var relay: HTTPUpstreamRelay?
    /// Request parts that arrived while the exchange was being made.
    var held: [HTTPClientRequestPart] = []
    /// Everything written to the exchange, to send again on a retry: kept until the response begins (a refused
    /// stream may be refused after its request was written) or it passes ``replayLimit`` bytes; nil once given up.
    private var replay: [HTTPClientRequestPart]? = []
    private var replayBytes = 0
    /// The most request body kept for sending again, as Envoy's retry buffer is bounded.
    static let replayLimit = 64 * 1024

    // Access log.
    var status: Int?
    var flags: [HTTPResponseFlag] = []
    var bytesReceived = 0
    var bytesSent = 0
    var upstreamHost: SocketAddress?

    // Timers.
    private var lastActivity = NIODeadline.now()
    private var idleTimer: Scheduled<Void>?
    private var requestTimer: Scheduled<Void>?
    private var routeTimer: Scheduled<Void>?
    private var durationTimer: Scheduled<Void>?

    init(handler: HTTPStreamHandler, head: HTTPRequestHead, eventLoop: any EventLoop) {
        self.handler = handler
        self.head = head
        self.eventLoop = eventLoop
        self.grpc = HTTPLocalReply.isGrpc(head.headers)
    }

    /// Downstream reads wait while the exchange is being made or cannot take more.
    var holdsDownstreamReads: Bool {
        if state.upstream == .connecting { return true }
        if let exchange, case .open = state.upstream { return !exchange.channel.isWritable }
        return false
    }

    // MARK: The exchange

    func connect() {
        guard let pool else { return }
        pool.exchange().assumeIsolated().whenComplete { result in
            switch result {
            case .success(let exchange): self.connected(exchange)
            case .failure(let error): self.connectFailed(error)
            }
        }
    }

    private func connected(_ exchange: HTTPUpstreamExchange) {
        switch state.upstreamConnected() {
        case .abandon:
            exchange.finish(false)
        case .writeHeld(let startRouteTimer):
            self.exchange = exchange
            upstreamHost = exchange.endpoint
            let relay = HTTPUpstreamRelay(stream: self)
            do {
                try exchange.channel.pipeline.syncOperations.addHandler(relay, name: HTTPUpstreamExchange.handlerName)
            } catch {
                exchange.finish(false)
                self.exchange = nil
                upstreamFailed(reason: .connectFailure)
                return
            }
            self.relay = relay
            guard let upstreamHead else { return }
            let parts = [HTTPClientRequestPart.head(upstreamHead)] + (replay ?? []) + held
            replay = []
            replayBytes = 0
            held = []
            for part in parts {
                writeUpstream(part)
            }
            flushUpstream()
            if startRouteTimer { self.startRouteTimer() }
            handler?.resumeDownstreamReads()
        }
    }

    private func connectFailed(_ error: any Error) {
        let failure = error as? HTTPUpstreamFailure ?? .connectFailure("\(error)")
        switch state.upstreamFailed(reused: false) {
        case .retry: connect()
        case .localReply: handler?.sendLocalReply(.forFailure(failure), for: self)
        case .resetDownstream: handler?.resetStream(self)
        case .none: break
        }
    }

    func writeUpstream(_ part: HTTPClientRequestPart) {
        guard let exchange else { return }
        if replay != nil {
            switch part {
            case .head: break
            case .body(.byteBuffer(let buffer)):
                replayBytes += buffer.readableBytes
                if replayBytes > Self.replayLimit {
                    replay = nil
                } else {
                    replay?.append(part)
                }
            default: replay?.append(part)
            }
        }
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenSuccess { [weak self] in
            self?.state.requestWritten()
        }
        exchange.channel.write(part, promise: promise)
    }

    func flushUpstream() {
        exchange?.channel.flush()
    }

    /// Closes the exchange (not reusable).
    func closeUpstream() {
        relay?.detach()
        relay = nil
        if let exchange {
            self.exchange = nil
            exchange.finish(false)
        }
    }

    /// Why an open exchange failed before its response ended.
    enum UpstreamFailure {
        case connectFailure
        /// The connection closed or reset.
        case reset
        /// The upstream refused the stream unprocessed: REFUSED_STREAM, or a GOAWAY that left it out.
        case refused
    }

    /// The exchange failed (its connection closed, reset or errored) before the response ended.
    func upstreamFailed(reason: UpstreamFailure) {
        let reused = exchange?.reused ?? false
        let http1 = exchange?.version == .http1_1
        let refused = reason == .refused
        let replayable = replay != nil
        relay?.detach()
        relay = nil
        if let exchange {
            self.exchange = nil
            exchange.finish(false)
        }
        switch state.upstreamFailed(reused: reused, refused: refused, replayable: replayable) {
        case .retry:
            handler?.manager.stats.increment(.upstreamRequestRetry)
            if let clusterName { handler?.manager.pools.stats(cluster: clusterName)?.increment(.upstreamRequestRetry) }
            connect()
        case .localReply:
            handler?.sendLocalReply(reason == .connectFailure ? .connectFailure : .connectionTermination, for: self)
        case .resetDownstream:
            // After the response head: an HTTP/1.1 response cut inside its body is what Envoy's codec calls a
            // protocol error (UPE); an HTTP/2 stream cut is a connection termination (UC), as in Envoy 1.40.
            flags.append(http1 ? .upstreamProtocolError : .upstreamConnectionTermination)
            handler?.resetStream(self)
        case .none:
            break
        }
    }

    // MARK: The response

    func upstreamResponse(_ part: HTTPClientResponsePart) {
        touch()
        switch part {
        case .head(let received):
            guard state.responseHead() else { return }
            // The upstream took the request: a retry is no longer possible, so what was kept for one goes.
            replay = nil
            var head = HTTPResponseHead(version: self.head.version, status: received.status, headers: received.headers)
            HTTPHeaderRules.removeHopByHopFromResponse(&head.headers)
            if let handler, let context = handler.context {
                HTTPHeaderRules.apply(
                    responseMutations,
                    toResponse: &head.headers,
                    downstream: handler.downstreamFacts(context: context)
                )
            }
            handler?.drainOnResponse()
            if handler?.codec == .http1 && handler?.closeAfterResponse == true {
                head.headers.replaceOrAdd(name: "connection", value: "close")
            }
            status = Int(head.status.code)
            handler?.writeDownstream(.head(head))
        case .body(let body):
            guard state.response == .streaming else { return }
            handler?.writeDownstream(.body(.byteBuffer(body)))
        case .end(let trailers):
            switch state.responseEnd() {
            case .finish(let reusable, _):
                cancelTimers()
                relay?.detach()
                relay = nil
                let exchange = self.exchange
                self.exchange = nil
                handler?.writeDownstream(.end(trailers))
                handler?.flushDownstream()
                exchange?.finish(reusable)
                handler?.finishStream(self)
            case .none:
                break
            }
        }
    }

    // MARK: Timers

    /// Marks activity for `stream_idle_timeout`.
    func touch() {
        lastActivity = .now()
    }

    /// The timers that run from the request's headers: stream idle, `request_timeout`, max stream duration.
    func startStreamTimers() {
        if let timeout = handler?.plan.requestTimeout {
            requestTimer = schedule(in: timeout) { stream in
                stream.handler?.manager.stats.increment(.downstreamRequestTimeout)
                stream.handler?.sendLocalReply(.requestTimeout, for: stream)
            }
        }
        scheduleIdleCheck()
    }

    /// The stream idle timeout in force: the route's `idle_timeout` over the manager's `stream_idle_timeout`.
    private var idleTimeout: Duration? {
        if let routeIdle = forward?.idleTimeout { return routeIdle }
        return handler?.plan.streamIdleTimeout
    }

    private func scheduleIdleCheck() {
        guard let timeout = idleTimeout else { return }
        let deadline = lastActivity + TimeAmount(timeout)
        idleTimer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self, !self.finished else { return }
            if self.lastActivity + TimeAmount(timeout) > .now() {
                self.scheduleIdleCheck()
                return
            }
            self.handler?.manager.stats.increment(.downstreamRequestIdleTimeout)
            self.handler?.sendLocalReply(.streamIdleTimeout, for: self)
        }
    }

    /// Called once the route is known: the route's own idle timeout and its max stream duration (or the request's
    /// `grpc-timeout`).
    func routeChosen() {
        idleTimer?.cancel()
        scheduleIdleCheck()
        guard let duration = maxStreamDuration else { return }
        durationTimer = schedule(in: duration) { stream in
            stream.handler?.manager.stats.increment(.downstreamRequestMaxDurationReached)
            stream.handler?.sendLocalReply(.durationTimeout(requestComplete: stream.state.requestComplete), for: stream)
        }
    }

    /// `max_stream_duration`, or with `grpc_timeout_header_max` the request's `grpc-timeout` (less the offset, capped
    /// by the max unless it is 0) — whatever the request's content type, as Envoy 1.40 applies it (measured: a plain
    /// POST with `grpc-timeout: 1S` gets 504 after 1 s).
    var maxStreamDuration: Duration? {
        guard let limits = forward?.maxStreamDuration else { return nil }
        if let cap = limits.grpcTimeoutHeaderMax, let header = head.headers.first(name: "grpc-timeout"),
            var timeout = Self.grpcTimeout(header)
        {
            if let offset = limits.grpcTimeoutHeaderOffset { timeout = max(.zero, timeout - offset) }
            if cap > .zero { timeout = min(timeout, cap) }
            return timeout
        }
        return limits.maxStreamDuration
    }

    /// gRPC's `grpc-timeout`: up to 8 digits and a unit (H, M, S, m, u, n).
    static func grpcTimeout(_ text: String) -> Duration? {
        guard let unit = text.last, text.count >= 2, text.count <= 9, let value = Int64(text.dropLast()), value >= 0
        else { return nil }
        switch unit {
        case "H": return .seconds(value * 3600)
        case "M": return .seconds(value * 60)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }

    /// The route `timeout`, from the end of the request to the end of the response.
    func startRouteTimer() {
        guard routeTimer == nil, let timeout = forward?.timeout else { return }
        routeTimer = schedule(in: timeout) { stream in
            stream.handler?.manager.stats.increment(.upstreamRequestTimeout)
            if let cluster = stream.clusterName {
                stream.handler?.manager.pools.stats(cluster: cluster)?.increment(.upstreamRequestTimeout)
            }
            stream.handler?.sendLocalReply(.upstreamTimeout, for: stream)
        }
    }

    func cancelRequestTimer() {
        requestTimer?.cancel()
        requestTimer = nil
    }

    func cancelTimers() {
        for timer in [idleTimer, requestTimer, routeTimer, durationTimer] { timer?.cancel() }
        idleTimer = nil
        requestTimer = nil
        routeTimer = nil
        durationTimer = nil
    }

    private func schedule(in duration: Duration, _ body: @escaping (HTTPActiveStream) -> Void) -> Scheduled<Void> {
        eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) { [weak self] in
            guard let self, !self.finished else { return }
            body(self)
        }
    }
}

@available(*, unavailable)
extension HTTPActiveStream: Sendable {}
