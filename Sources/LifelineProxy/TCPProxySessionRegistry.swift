import NIOCore

/// The open sessions of one listener on one event loop, kept and visited only on that loop, so neither accepting a
/// connection nor closing one takes a lock.
///
/// It also enforces tcp_proxy's `idle_timeout` for all of them with one repeated sweep instead of a timer per
/// connection: a session marks itself active on every read, and the sweep closes a session after `limitTicks`
/// sweeps in a row found it unmarked. So a connection is closed between `idle_timeout` and `idle_timeout` plus one
/// sweep interval (an eighth of the timeout, at most one second) after its last byte. The sweep only runs while the
/// loop has sessions.
final class TCPProxySessionRegistry {
    let eventLoop: any EventLoop
    /// The loop's connection table, where both sides of every session are registered.
    let connections: ConnectionTable
    /// How the chain's downstream connections are labelled there (their upstreams differ only in direction).
    let labels: ConnectionLabels
    private var sessions: [ObjectIdentifier: TCPProxySession] = [:]
    private let sweepInterval: TimeAmount?
    private let limitTicks: Int
    private var sweep: Scheduled<Void>?

    init(eventLoop: any EventLoop, idleTimeout: Duration?, connections: ConnectionTable, labels: ConnectionLabels) {
        self.eventLoop = eventLoop
        self.connections = connections
        self.labels = labels
        if let idleTimeout {
            let timeout = TimeAmount(idleTimeout)
            let interval = TimeAmount.nanoseconds(min(1_000_000_000, max(1_000_000, timeout.nanoseconds / 8)))
            sweepInterval = interval
            // Whole intervals until the timeout: a session found idle by this many sweeps in a row has been quiet
            // for at least the timeout. (Rounded up without adding first: a timeout of centuries is NIO's
            // saturated Int64.max nanoseconds.)
            let (whole, rest) = timeout.nanoseconds.quotientAndRemainder(dividingBy: interval.nanoseconds)
            limitTicks = Int(whole) + (rest == 0 ? 0 : 1)
        } else {
            sweepInterval = nil
            limitTicks = .max
        }
    }

    var count: Int { sessions.count }

    func add(_ session: TCPProxySession) {
        eventLoop.assertInEventLoop()
        sessions[ObjectIdentifier(session)] = session
        if sweep == nil {
            scheduleSweep()
        }
    }

    func remove(_ session: TCPProxySession) {
        eventLoop.assertInEventLoop()
        sessions[ObjectIdentifier(session)] = nil
        if sessions.isEmpty {
            sweep?.cancel()
            sweep = nil
        }
    }

    /// Closes both sides of every session.
    func closeAll() {
        eventLoop.assertInEventLoop()
        for session in Array(sessions.values) {
            session.close()
        }
    }

    private func scheduleSweep() {
        guard let sweepInterval else { return }
        sweep = eventLoop.assumeIsolated().scheduleTask(in: sweepInterval) {
            self.sweepIdle()
        }
    }

    private func sweepIdle() {
        sweep = nil
        var expired: [TCPProxySession] = []
        for session in sessions.values where session.tickIdle() >= limitTicks {
            expired.append(session)
        }
        for session in expired {
            session.closeIdle()
        }
        if !sessions.isEmpty, sweep == nil {
            scheduleSweep()
        }
    }
}

@available(*, unavailable)
extension TCPProxySessionRegistry: Sendable {}
