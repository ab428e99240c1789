import Testing

@testable import LifelineProxy

/// One proxied request as its handler sees it: when to write, hold, retry, answer locally or reset, without
/// channels.
@Suite struct HTTPStreamStateMachineTests {
    typealias Machine = HTTPStreamStateMachine

    private func open() -> Machine {
        var machine = Machine()
        machine.forward()
        #expect(machine.upstreamConnected() == .writeHeld(startRouteTimer: false))
        return machine
    }

    @Test func bodyArrivingWhileConnectingIsHeldThenWritten() {
        var machine = Machine()
        machine.forward()
        #expect(machine.requestBody() == .hold)
        #expect(machine.requestEnd() == .hold)
        // The request was complete before the exchange opened: the route timer starts with the held parts.
        #expect(machine.upstreamConnected() == .writeHeld(startRouteTimer: true))
    }

    @Test func theRouteTimerStartsWhenTheRequestEnds() {
        var machine = open()
        #expect(machine.requestBody() == .write)
        #expect(machine.requestEnd() == .write(startRouteTimer: true))
    }

    @Test func aCompleteExchangeIsReusable() {
        var machine = open()
        #expect(machine.requestEnd() == .write(startRouteTimer: true))
        let result1 = machine.responseHead()
        #expect(result1)
        #expect(machine.responseEnd() == .finish(reusable: true, streamDone: true))
    }

    @Test func aResponseThatEndsBeforeTheRequestIsNotReusable() {
        var machine = open()
        let result2 = machine.responseHead()
        #expect(result2)
        #expect(machine.responseEnd() == .finish(reusable: false, streamDone: false))
        #expect(machine.requestEnd() == .streamDone)
    }

    @Test func aReusedConnectionThatFailsBeforeAnythingWasWrittenIsRetriedOnce() {
        var machine = open()
        #expect(machine.upstreamFailed(reused: true) == .retry)
        #expect(machine.upstream == .connecting)
        #expect(machine.upstreamConnected() == .writeHeld(startRouteTimer: false))
        // A second failure on a reused connection is not retried again.
        #expect(machine.upstreamFailed(reused: true) == .localReply)
    }

    @Test func noRetryOnceTheRequestWasWritten() {
        var machine = open()
        machine.requestWritten()
        #expect(machine.upstreamFailed(reused: true) == .localReply)
    }

    @Test func aStreamTheUpstreamRefusedIsRetriedEvenAfterItWasWrittenWhileItCanBeReplayed() {
        var machine = open()
        machine.requestWritten()
        #expect(machine.upstreamFailed(reused: false, refused: true, replayable: true) == .retry)
        #expect(machine.upstreamConnected() == .writeHeld(startRouteTimer: false))
        machine.requestWritten()
        // Once only.
        #expect(machine.upstreamFailed(reused: false, refused: true, replayable: true) == .localReply)
    }

    @Test func noRetryOfARefusedStreamWhoseBodyWasNotKept() {
        var machine = open()
        machine.requestWritten()
        #expect(machine.upstreamFailed(reused: false, refused: true, replayable: false) == .localReply)
        var reused = open()
        #expect(reused.upstreamFailed(reused: true, replayable: false) == .localReply)
    }

    @Test func noRetryOfARefusedStreamOnceTheResponseBegan() {
        var machine = open()
        let began = machine.responseHead()
        #expect(began)
        #expect(machine.upstreamFailed(reused: false, refused: true, replayable: true) == .resetDownstream)
    }

    @Test func noRetryOnAFreshConnection() {
        var machine = open()
        #expect(machine.upstreamFailed(reused: false) == .localReply)
    }

    @Test func aFailureAfterTheResponseStartedResetsTheDownstream() {
        var machine = open()
        let result3 = machine.responseHead()
        #expect(result3)
        #expect(machine.upstreamFailed(reused: true) == .resetDownstream)
    }

    @Test func aTimeoutBeforeTheResponseIsALocalReplyAndAfterItAReset() {
        var waiting = open()
        #expect(waiting.localReply() == .reply(closeUpstream: true))
        #expect(waiting.localReply() == .none)

        var streaming = open()
        let result4 = streaming.responseHead()
        #expect(result4)
        #expect(streaming.localReply() == .reset(closeUpstream: true))
    }

    @Test func aLocalReplyWithoutUpstreamDropsTheBody() {
        var machine = Machine()
        #expect(machine.localReply() == .reply(closeUpstream: false))
        #expect(machine.requestBody() == .drop)
        #expect(machine.requestEnd() == .streamDone)
    }

    @Test func anExchangeThatArrivesAfterTheStreamEndedIsAbandoned() {
        var machine = Machine()
        machine.forward()
        let result5 = machine.downstreamGone()
        #expect(result5)
        #expect(machine.upstreamConnected() == .abandon)
    }

    @Test func aLateResponseIsIgnoredAfterALocalReply() {
        var machine = open()
        #expect(machine.localReply() == .reply(closeUpstream: true))
        let result6 = machine.responseHead()
        #expect(!result6)
        #expect(machine.responseEnd() == .none)
        #expect(machine.upstreamFailed(reused: false) == .none)
    }
}
