/// A proxied connection as its session sees it: the downstream (open until its channel closes), the upstream
/// connection (not started, connecting, connected, closed), idleness, and whether the session is finished — both
/// sides closed, so the registry lets it go.
///
/// Each method takes one event and returns what the session must do (count, log, dial, close, finish); the machine
/// touches no channel and no counter, so every ordering of connects, closes and timeouts can be checked without them.
/// How bytes move between the two sides is each side's ``TCPProxyConnectionStateMachine``.
struct TCPProxySessionStateMachine {
    enum UpstreamState: Equatable {
        case notStarted
        case connecting
        case connected
        case closed
    }

    private(set) var downstreamOpen = true
    private(set) var upstream = UpstreamState.notStarted
    private(set) var finished = false
    private var closedForIdleness = false
    /// Bytes were read on either side since the registry's last idle sweep.
    private var sawActivity = true
    /// Idle sweeps in a row that found no activity.
    private var idleTicks = 0

    // MARK: Actions

    enum DownstreamActiveAction: Equatable {
        /// Count the accepted connection and dial the upstream.
        case connectUpstream
    }

    enum UpstreamConnectedAction: Equatable {
        /// The upstream is open for business.
        case proceed
        /// The downstream closed while it connected: close the new channel.
        case closeUpstream
    }

    enum ConnectFailedAction: Equatable {
        /// Count the failure (or timeout) and close the downstream.
        case countThenCloseDownstream
        /// The downstream had closed already: nothing to count; the session is done.
        case finish
        case none
    }

    enum SideClosedAction: Equatable {
        /// Count and log the close by its reason, then let the session go.
        case countThenFinish
        /// Count and log the close by its reason; the other side is still open.
        case count
        /// Not counted (it never counted as open, or was counted already); the session is done.
        case finish
        case none
    }

    enum IdleTimeoutAction: Equatable {
        /// Count the idle timeout, tell both sides it is their close reason, and close both.
        case closeBoth
        case none
    }

    enum CloseAction: Equatable {
        case closeDownstream
        case closeDownstreamAndUpstream
    }

    // MARK: Events

    mutating func downstreamActive() -> DownstreamActiveAction {
        upstream = .connecting
        return .connectUpstream
    }

    mutating func upstreamConnected() -> UpstreamConnectedAction {
        guard downstreamOpen else { return .closeUpstream }
        if upstream == .connecting {
            upstream = .connected
        }
        return .proceed
    }

    mutating func upstreamConnectFailed() -> ConnectFailedAction {
        upstream = .closed
        guard downstreamOpen else { return finishIfDone() ? .finish : .none }
        return .countThenCloseDownstream
    }

    mutating func downstreamInactive() -> SideClosedAction {
        guard downstreamOpen else { return .none }
        downstreamOpen = false
        if upstream == .notStarted {
            upstream = .closed
        }
        return finishIfDone() ? .countThenFinish : .count
    }

    mutating func upstreamInactive() -> SideClosedAction {
        let counted = upstream == .connected
        upstream = .closed
        switch (counted, finishIfDone()) {
        case (true, true): return .countThenFinish
        case (true, false): return .count
        case (false, true): return .finish
        case (false, false): return .none
        }
    }

    /// Bytes were read on either side.
    mutating func readSeen() {
        sawActivity = true
    }

    /// The registry's idle sweep: how many sweeps in a row have now found this session quiet.
    mutating func idleTick() -> Int {
        if sawActivity {
            sawActivity = false
            idleTicks = 0
        } else {
            idleTicks += 1
        }
        return idleTicks
    }

    /// tcp_proxy's `idle_timeout` passed: both sides close, once.
    mutating func idleTimeoutExpired() -> IdleTimeoutAction {
        guard downstreamOpen, !closedForIdleness else { return .none }
        closedForIdleness = true
        return .closeBoth
    }

    /// The listener stops (or the session times out): close what is open. A connecting upstream is closed by its
    /// partner's close.
    func close() -> CloseAction {
        upstream == .connected ? .closeDownstreamAndUpstream : .closeDownstream
    }

    private mutating func finishIfDone() -> Bool {
        guard !downstreamOpen, !finished else { return false }
        switch upstream {
        case .closed, .notStarted:
            finished = true
            return true
        case .connecting, .connected:
            return false
        }
    }
}
