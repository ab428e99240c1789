import LifelineAdmin
import LifelineProxy
import Logging
import UnixSignals

/// Starts Envoy's drain sequence (``Gateway/drain(strategy:time:graceful:)``) for SIGTERM and
/// `POST /drain_listeners`, after turning `/ready` to 503 so that health checks move traffic away at once.
actor DrainCoordinator {
    private let gateway: Gateway
    private let state: ServerState
    private let time: Duration
    private let strategy: DrainStrategy
    private let logger: Logger
    private var listenersDrain: Task<Void, Never>?

    init(gateway: Gateway, state: ServerState, time: Duration, strategy: DrainStrategy, logger: Logger) {
        self.gateway = gateway
        self.state = state
        self.time = time
        self.strategy = strategy
        self.logger = logger
    }

    /// `POST /drain_listeners`: drains in the background; the process keeps running (with `/ready` at 503).
    func drainListeners(graceful: Bool) {
        state.beganDraining()
        guard listenersDrain == nil else { return }
        logger.info(
            "draining listeners",
            metadata: ["drain.trigger": "POST /drain_listeners", "drain.graceful": "\(graceful)"]
        )
        let gateway = gateway
        let strategy = strategy
        let time = time
        listenersDrain = Task {
            await gateway.drain(strategy: strategy, time: time, graceful: graceful)
        }
    }

    /// SIGTERM, SIGINT: listeners stop accepting now, connections are told to drain, and this returns when the last
    /// one has ended or the drain time is up (what remains is then closed). A second SIGTERM or SIGINT closes every
    /// connection at once (an operator's second Ctrl-C).
    func drainForShutdown() async {
        state.beganDraining()
        logger.info("shutting down: draining", metadata: ["drain.trigger": "signal"])
        let gateway = gateway
        let logger = logger
        let secondSignal = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                logger.info("second signal: closing every connection now")
                await gateway.stop()
                return
            }
        }
        defer { secondSignal.cancel() }
        await gateway.drain(strategy: strategy, time: time, graceful: false)
    }
}
