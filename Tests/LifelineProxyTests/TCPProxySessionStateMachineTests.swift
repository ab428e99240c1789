import Testing

@testable import LifelineProxy

/// A proxied connection as its session sees it: what is counted, closed and finished for every ordering of the
/// upstream connect, the two closes and the idle timeout, without channels or counters.
@Suite struct TCPProxySessionStateMachineTests {
    typealias Machine = TCPProxySessionStateMachine

    private func connected() -> Machine {
        var machine = Machine()
        #expect(machine.downstreamActive() == .connectUpstream)
        #expect(machine.upstreamConnected() == .proceed)
        return machine
    }

    @Test func anAcceptedConnectionDialsItsUpstream() {
        var machine = Machine()
        #expect(machine.upstream == .notStarted)
        #expect(machine.downstreamActive() == .connectUpstream)
        #expect(machine.upstream == .connecting)
        #expect(machine.upstreamConnected() == .proceed)
        #expect(machine.upstream == .connected)
    }

    @Test func bothSidesClosingFinishTheSessionOnceEitherOrder() {
        var downstreamFirst = connected()
        #expect(downstreamFirst.downstreamInactive() == .count)
        #expect(!downstreamFirst.finished)
        #expect(downstreamFirst.upstreamInactive() == .countThenFinish)
        #expect(downstreamFirst.finished)

        var upstreamFirst = connected()
        #expect(upstreamFirst.upstreamInactive() == .count)
        #expect(upstreamFirst.downstreamInactive() == .countThenFinish)
        #expect(upstreamFirst.finished)
    }

    @Test func aSideIsCountedClosedOnlyOnce() {
        var machine = connected()
        #expect(machine.downstreamInactive() == .count)
        #expect(machine.downstreamInactive() == .none)
        #expect(machine.upstreamInactive() == .countThenFinish)
        #expect(machine.upstreamInactive() == .none)
    }

    @Test func aFailedConnectIsCountedAndClosesTheDownstream() {
        var machine = Machine()
        _ = machine.downstreamActive()
        #expect(machine.upstreamConnectFailed() == .countThenCloseDownstream)
        #expect(machine.upstream == .closed)
        #expect(machine.downstreamInactive() == .countThenFinish)
    }

    @Test func aConnectThatFailsAfterTheDownstreamClosedIsNotCountedAndFinishes() {
        var machine = Machine()
        _ = machine.downstreamActive()
        #expect(machine.downstreamInactive() == .count)
        #expect(!machine.finished)
        #expect(machine.upstreamConnectFailed() == .finish)
        #expect(machine.finished)
    }

    @Test func aConnectThatSucceedsAfterTheDownstreamClosedIsClosedAndNotCounted() {
        var machine = Machine()
        _ = machine.downstreamActive()
        #expect(machine.downstreamInactive() == .count)
        #expect(machine.upstreamConnected() == .closeUpstream)
        #expect(machine.upstream == .connecting)
        // It never counted as open: its close is not counted either.
        #expect(machine.upstreamInactive() == .finish)
        #expect(machine.finished)
    }

    @Test func aDownstreamClosedBeforeItsUpstreamWasDialledFinishesAtOnce() {
        var machine = Machine()
        #expect(machine.downstreamInactive() == .countThenFinish)
        #expect(machine.finished)
    }

    @Test func closingClosesTheUpstreamOnlyOnceConnected() {
        var machine = Machine()
        _ = machine.downstreamActive()
        #expect(machine.close() == .closeDownstream)
        #expect(machine.upstreamConnected() == .proceed)
        #expect(machine.close() == .closeDownstreamAndUpstream)
        _ = machine.upstreamInactive()
        #expect(machine.close() == .closeDownstream)
    }

    @Test func idleSweepsCountQuietTicksAndReadsResetThem() {
        var machine = connected()
        // A new session counts as active until the first sweep.
        #expect(machine.idleTick() == 0)
        #expect(machine.idleTick() == 1)
        #expect(machine.idleTick() == 2)
        machine.readSeen()
        #expect(machine.idleTick() == 0)
        #expect(machine.idleTick() == 1)
    }

    @Test func anIdleTimeoutClosesBothSidesOnce() {
        var machine = connected()
        #expect(machine.idleTimeoutExpired() == .closeBoth)
        #expect(machine.idleTimeoutExpired() == .none)
    }

    @Test func anIdleTimeoutAfterTheDownstreamClosedDoesNothing() {
        var machine = connected()
        _ = machine.downstreamInactive()
        #expect(machine.idleTimeoutExpired() == .none)
    }
}
