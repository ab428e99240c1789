import Logging

/// Envoy's drain sequence (SIGTERM, `/drain_listeners`): stop accepting, tell connections to go away while what
/// they have in flight finishes, close what is left at the end of the drain time.
extension Gateway {
    /// Drains every listener and returns when no downstream connection is left or the drain time is over, with
    /// every connection closed. Upstream pools stay open for ``stop()``.
    ///
    /// - Parameters:
    ///   - strategy: tell every HTTP connection at once, or spread over `time` (``DrainStrategy``).
    ///   - time: the drain time (`--drain-time-s`): in-flight requests and streams have this long to finish.
    ///   - graceful: `/drain_listeners?graceful`: the listeners keep accepting for the drain time (new connections
    ///     are drained too: their responses say `connection: close` or send GOAWAY) and stop only at its end, so a
    ///     load balancer that saw `/ready` fail moves traffic away before connections are refused. Without it the
    ///     listeners stop accepting at once and the drain returns as soon as the last connection ended.
    public func drain(strategy: DrainStrategy, time: Duration, graceful: Bool) async {
        let clock = ContinuousClock()
        let deadline = clock.now + time
        let listeners = allListeners
        logger.info(
            "draining",
            metadata: [
                "drain.strategy": "\(strategy.rawValue)", "drain.time": "\(time)", "drain.graceful": "\(graceful)",
                "connections": "\(openConnections)",
            ]
        )
        if !graceful {
            for listener in listeners {
                await listener.stopAccepting()
            }
        }
        for listener in listeners {
            listener.drain(strategy: strategy, time: time, closeIdle: true)
        }
        while clock.now < deadline {
            if !graceful && openConnections == 0 { break }
            try? await Task.sleep(for: min(.milliseconds(10), deadline - clock.now))
        }
        for listener in listeners {
            await listener.stopAccepting()
        }
        let left = openConnections
        for listener in allListeners {
            await listener.closeConnections()
        }
        logger.info("drained", metadata: ["connections.closed_at_end": "\(left)"])
    }
}
