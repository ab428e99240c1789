import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps a listening socket from spinning when `accept` fails for want of resources — the fd table full (EMFILE,
/// ENFILE) or the kernel short of memory (ENOBUFS, ENOMEM). The pending connection stays in the backlog and every
/// retry fails at once, so accepting again immediately burns a core; instead reading (accepting) is switched off for
/// ``delay`` — which takes the socket out of the poll set; merely holding back `read()` does not, as the failed accept
/// leaves the read pending — while the connections already open go on being served. Each refused accept is counted
/// (`downstream_cx_accept_backoff`); a burst is logged once when it starts and once when accepting works again.
final class AcceptBackoffHandler: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never
    typealias OutboundOut = Never

    /// How long accepting pauses after a refused accept.
    static let delay = TimeAmount.milliseconds(100)

    private let stats: ProxyStats
    private let logger: Logger
    /// What turns accepting back on, while backing off.
    private var resume: Scheduled<Void>?
    /// Accepts refused since accepting last worked.
    private var refusedInBurst = 0

    init(stats: ProxyStats, logger: Logger) {
        self.stats = stats
        self.logger = logger
    }

    /// Whether an accept error is a shortage that retrying at once cannot cure.
    static func isResourceShortage(_ error: any Error) -> Bool {
        guard let error = error as? IOError else { return false }
        switch error.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: return true
        default: return false
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refusedInBurst > 0 {
            logger.notice(
                "accepting again",
                metadata: ["accept.refused": "\(refusedInBurst)", "accept.backoff": "\(Self.delay)"]
            )
            refusedInBurst = 0
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard Self.isResourceShortage(error) else {
            context.fireErrorCaught(error)
            return
        }
        stats.increment(.downstreamAcceptBackoff)
        if refusedInBurst == 0 {
            logger.warning(
                "accept failed for want of resources; pausing accepts, serving open connections",
                metadata: ["error": "\(error)", "accept.backoff": "\(Self.delay)"]
            )
        }
        refusedInBurst += 1
        guard resume == nil else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        let channel = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        resume = context.eventLoop.scheduleTask(in: Self.delay) {
            loopBound.value.resume = nil
            try? channel.value.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let resume {
            resume.cancel()
            self.resume = nil
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}

@available(*, unavailable)
extension AcceptBackoffHandler: Sendable {}
