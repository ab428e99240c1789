import LifelinePlan
import NIOCore

/// HTTP/1.1 connection timers, kept by the connection's one ``HTTPStreamHandler`` (HTTP/2 connections have
/// `NIOHTTP2ServerConnectionManagementHandler` for these).
extension HTTPStreamHandler {
    /// `idle_timeout` (no request for that long: close) and `max_connection_duration` (drain: `connection: close`
    /// on the next response, or close now when idle).
    func startConnectionTimers(context: ChannelHandlerContext) {
        startIdleTimer(context: context)
        if let duration = plan.maxConnectionDuration {
            maxDurationTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) {
                [weak self] in
                guard let self, let context = self.context else { return }
                self.manager.stats.increment(.downstreamMaxDurationReached)
                self.closeAfterResponse = true
                if self.stream == nil { context.close(promise: nil) }
            }
        }
    }

    /// HTTP/1.1 drain: the response in flight (or the next one) says `connection: close` and the connection closes
    /// after it; an idle connection closes now with `closeIdle`.
    func drainConnection(closeIdle: Bool) {
        guard codec == .http1, let context else { return }
        closeAfterResponse = true
        if stream == nil && closeIdle { context.close(promise: nil) }
    }

    /// A response head is about to go out while the chain drains: with the probability the drain gives, HTTP/1.1
    /// sends it with `connection: close` and closes after it, HTTP/2 starts the connection's GOAWAY.
    func drainOnResponse() {
        guard manager.drainSignal.shouldClose(), let context else { return }
        switch codec {
        case .http1:
            closeAfterResponse = true
        case .http2:
            context.channel.parent?.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    func startIdleTimer(context: ChannelHandlerContext) {
        guard codec == .http1, let timeout = plan.idleTimeout else { return }
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            guard let self, self.stream == nil, let context = self.context else { return }
            self.manager.stats.increment(.downstreamIdleTimeout)
            context.close(promise: nil)
        }
    }

    /// HTTP/1.1 bytes arrived: the first of a request begins it, so the connection is no longer idle (as in Envoy,
    /// whose stream exists from the request's first byte), and starts `request_headers_timeout`, which closes the
    /// connection unless the request's headers are complete in time.
    func bytesReceived() {
        guard stream == nil, headersTimer == nil, let context else { return }
        // A request under way is bounded by stream_idle_timeout, not the connection's idle_timeout: with its headers
        // unfinished, silence that long closes the connection.
        cancelIdleTimer()
        if let silence = plan.streamIdleTimeout {
            idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(silence)) { [weak self] in
                guard let self, self.stream == nil, let context = self.context else { return }
                self.manager.stats.increment(.downstreamRequestIdleTimeout)
                context.close(promise: nil)
            }
        }
        guard let timeout = plan.requestHeadersTimeout else { return }
        headersTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            guard let self, let context = self.context else { return }
            self.headersTimer = nil
            self.manager.stats.increment(.downstreamRequestHeaderTimeout)
            context.close(promise: nil)
        }
    }

    func cancelIdleTimer() {
        idleTimer?.cancel()
        idleTimer = nil
    }

    func cancelConnectionTimers() {
        cancelIdleTimer()
        headersTimer?.cancel()
        headersTimer = nil
        maxDurationTimer?.cancel()
        maxDurationTimer = nil
    }
}
