import LifelinePlan
import NIOCore
import Testing

@testable import LifelineProxy

/// Keepalive PINGs and the policing of client PINGs, without channels or clocks.
@Suite struct HTTP2PingStateMachineTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func theIntervalGetsUpToItsJitterAdded() {
        let machine = HTTP2PingStateMachine(
            keepalive: Http2KeepalivePlan(interval: .seconds(10), timeout: .seconds(5), intervalJitterPercent: 15)
        )
        #expect(machine.nextPingDelay(jitter: 0) == .seconds(10))
        #expect(machine.nextPingDelay(jitter: 1) == .milliseconds(11_500))
        #expect(HTTP2PingStateMachine(keepalive: nil).nextPingDelay(jitter: 0.5) == nil)
    }

    @Test func silenceAfterAPingClosesAndAnythingReceivedKeepsTheConnection() {
        var machine = HTTP2PingStateMachine(keepalive: Http2KeepalivePlan(interval: .seconds(1), timeout: .seconds(1)))
        #expect(machine.pingDue() == .sendPing(timeout: .seconds(1)))
        let result1 = machine.timeoutFired()
        #expect(result1)

        var answered = HTTP2PingStateMachine(keepalive: Http2KeepalivePlan(interval: .seconds(1), timeout: .seconds(1)))
        #expect(answered.pingDue() == .sendPing(timeout: .seconds(1)))
        let result2 = answered.received()
        #expect(result2)
        let result3 = answered.timeoutFired()
        #expect(!result3)
        // Bytes with no PING out change nothing.
        let result4 = answered.received()
        #expect(!result4)
    }

    @Test func aClientPingingEveryTenSecondsIsNeverStruck() {
        var machine = HTTP2PingStateMachine(keepalive: nil)
        for second in stride(from: 0, to: 600, by: 10) {
            #expect(machine.clientPing(at: start + .seconds(Int64(second))) == .allow)
        }
        #expect(machine.strikes == 0)
    }

    @Test func aFloodOfPingsWithoutDataStrikesOutOnTheThirdStrike() {
        var machine = HTTP2PingStateMachine(keepalive: nil)
        #expect(machine.clientPing(at: start) == .allow)
        #expect(machine.clientPing(at: start + .milliseconds(10)) == .allow)
        #expect(machine.clientPing(at: start + .milliseconds(20)) == .allow)
        #expect(machine.strikes == 2)
        #expect(machine.clientPing(at: start + .milliseconds(30)) == .tooManyPings)
    }

    @Test func bdpPingsThatFollowDataAreNeverStruck() {
        var machine = HTTP2PingStateMachine(keepalive: nil)
        for step in 0..<1000 {
            machine.responseSent()
            #expect(machine.clientPing(at: start + .milliseconds(Int64(step))) == .allow)
        }
        #expect(machine.strikes == 0)
    }
}
