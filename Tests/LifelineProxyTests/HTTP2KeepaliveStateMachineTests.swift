import NIOCore
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

@Suite struct HTTP2KeepaliveStateMachineTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func theDefaultNeverPingsAConnectionWithoutStreams() {
        var machine = HTTP2KeepaliveStateMachine(policy: .lifelineDefault, now: start, jitter: 0)
        #expect(machine.nextDeadline == nil)
        #expect(machine.timerFired(at: start + .hours(2), jitter: 0) == .none)
    }

    @Test func theDefaultPingsOnlyAfterFiveQuietMinutesWithStreamsOpen() {
        var machine = HTTP2KeepaliveStateMachine(policy: .lifelineDefault, now: start, jitter: 0)
        let opened = start + .minutes(10)
        machine.streamsChanged(open: 1, at: opened)
        // Quiet time counts from the streams opening, not from the last frame long before.
        #expect(machine.nextDeadline == opened + .seconds(300))
        #expect(machine.timerFired(at: opened + .seconds(299), jitter: 0) == .none)
        machine.received(at: opened + .seconds(100))
        #expect(machine.nextDeadline == opened + .seconds(400))
        #expect(machine.timerFired(at: opened + .seconds(300), jitter: 0) == .none)
        #expect(machine.timerFired(at: opened + .seconds(400), jitter: 0) == .sendPing)
        #expect(machine.nextDeadline == opened + .seconds(420))
        // The ACK (or anything) arrives: alive, and the next PING is five quiet minutes later again.
        machine.received(at: opened + .seconds(401))
        #expect(machine.nextDeadline == opened + .seconds(701))
    }

    @Test func theDefaultClosesWhenNothingAnswersAPingWithinTwentySeconds() {
        var machine = HTTP2KeepaliveStateMachine(policy: .lifelineDefault, now: start, jitter: 0)
        machine.streamsChanged(open: 2, at: start)
        #expect(machine.timerFired(at: start + .seconds(300), jitter: 0) == .sendPing)
        #expect(machine.timerFired(at: start + .seconds(319), jitter: 0) == .none)
        #expect(machine.timerFired(at: start + .seconds(320), jitter: 0) == .closeConnection)
        #expect(machine.nextDeadline == nil)
        #expect(machine.timerFired(at: start + .seconds(400), jitter: 0) == .none)
    }

    @Test func theDefaultStopsPingingWhenTheStreamsEnd() {
        var machine = HTTP2KeepaliveStateMachine(policy: .lifelineDefault, now: start, jitter: 0)
        machine.streamsChanged(open: 1, at: start)
        machine.streamsChanged(open: 0, at: start + .seconds(10))
        #expect(machine.nextDeadline == nil)
        #expect(machine.timerFired(at: start + .seconds(600), jitter: 0) == .none)
    }

    @Test func theDefaultIsVisibleInThePlan() {
        let plan = UpstreamHttpPlan.defaultLifelineHttp2Keepalive
        #expect(plan.interval == .seconds(300))
        #expect(plan.timeout == .seconds(20))
        #expect(HTTP2KeepaliveStateMachine.Policy.forPlan(Http2ProtocolOptionsPlan()) == .lifelineDefault)
    }

    @Test func aConfiguredKeepalivePingsEveryIntervalWithJitterEvenWithoutStreams() {
        let plan = Http2KeepalivePlan(interval: .seconds(10), timeout: .seconds(2), intervalJitterPercent: 20)
        let policy = HTTP2KeepaliveStateMachine.Policy.forPlan(Http2ProtocolOptionsPlan(keepalive: plan))
        var machine = HTTP2KeepaliveStateMachine(policy: policy, now: start, jitter: 0.5)
        // 10 s plus half of the 20 % jitter.
        #expect(machine.nextDeadline == start + .seconds(11))
        #expect(machine.timerFired(at: start + .seconds(11), jitter: 1) == .sendPing)
        #expect(machine.nextDeadline == start + .seconds(13))
        machine.received(at: start + .milliseconds(11_010))
        // Next: 10 s plus all of the jitter after the answer, as Envoy re-arms its send timer on the PING's ACK.
        #expect(machine.nextDeadline == start + .milliseconds(23_010))
        // Frames received do not postpone a configured PING (Envoy's interval is a period).
        machine.received(at: start + .seconds(22))
        #expect(machine.timerFired(at: start + .seconds(23), jitter: 0) == .none)
        #expect(machine.timerFired(at: start + .milliseconds(23_010), jitter: 0) == .sendPing)
        // No second PING while one is outstanding, however long.
        #expect(machine.nextDeadline == start + .milliseconds(25_010))
        #expect(machine.timerFired(at: start + .milliseconds(25_010), jitter: 0) == .closeConnection)
    }

    @Test func anythingReceivedAfterAPingCountsAsAlive() {
        let plan = Http2KeepalivePlan(interval: .seconds(1), timeout: .seconds(1), intervalJitterPercent: 0)
        var machine = HTTP2KeepaliveStateMachine(policy: .configured(plan), now: start, jitter: 0)
        #expect(machine.timerFired(at: start + .seconds(1), jitter: 0) == .sendPing)
        machine.received(at: start + .milliseconds(1_900))
        #expect(machine.timerFired(at: start + .seconds(2), jitter: 0) == .none)
        #expect(machine.nextDeadline == start + .milliseconds(2_900))
        #expect(machine.timerFired(at: start + .milliseconds(2_900), jitter: 0) == .sendPing)
        #expect(machine.nextDeadline == start + .milliseconds(3_900))
    }
}
