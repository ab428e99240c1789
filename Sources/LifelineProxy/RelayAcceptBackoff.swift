#if os(Linux)
    import LifelineRelay
    import Logging

    /// What a relay listening socket's accept pauses are counted and logged as, the same as
    /// ``AcceptBackoffHandler`` does for NIO's: every refused accept counts `downstream_cx_accept_backoff`, and a
    /// burst is logged once when it starts and once when accepting works again. Used on the relay loop's thread only.
    final class RelayAcceptBackoff {
        private let stats: ProxyStats
        private let logger: Logger
        /// Accepts refused since accepting last worked.
        private var refusedInBurst = 0

        init(stats: ProxyStats, logger: Logger) {
            self.stats = stats
            self.logger = logger
        }

        func refused(errorNumber: Int32) {
            stats.increment(.downstreamAcceptBackoff)
            if refusedInBurst == 0 {
                logger.warning(
                    "accept failed for want of resources; pausing accepts, serving open connections",
                    metadata: [
                        "error.number": "\(errorNumber)",
                        "accept.backoff": "\(RelayEventLoop.acceptBackoffMilliseconds) ms",
                    ]
                )
            }
            refusedInBurst += 1
        }

        func accepted() {
            guard refusedInBurst > 0 else { return }
            logger.notice(
                "accepting again",
                metadata: [
                    "accept.refused": "\(refusedInBurst)",
                    "accept.backoff": "\(RelayEventLoop.acceptBackoffMilliseconds) ms",
                ]
            )
            refusedInBurst = 0
        }
    }

    @available(*, unavailable)
    extension RelayAcceptBackoff: Sendable {}
#endif
