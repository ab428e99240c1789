import NIOCore

/// Envoy's `listener_filters_timeout` as a listener filter handler keeps it: armed once the channel is active,
/// cancelled when the filter decides or leaves. Each handler is given what is left of the listener's one timeout
/// for the connection, so filters that run one after another share it, as in Envoy.
struct ListenerFilterTimer {
    /// nil waits for ever (`listener_filters_timeout: 0s`).
    let timeout: TimeAmount?
    private var scheduled: Scheduled<Void>?

    init(timeout: TimeAmount?) {
        self.timeout = timeout
    }

    /// Starts the clock unless it runs already; `onExpiry` runs on the event loop.
    mutating func arm(context: ChannelHandlerContext, onExpiry: @escaping () -> Void) {
        guard scheduled == nil, let timeout else { return }
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout, onExpiry)
    }

    mutating func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }
}
