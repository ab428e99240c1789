import LifelinePlan
import LifelineProxy
import Testing

/// The keepalive timeline of a live connection, derived from the socket's settings and TCP_INFO by
/// `tcp_keepalive_timer()`'s rules.
@Suite struct ConnectionKeepaliveTimelineTests {
    static let fifteen = ConnectionSnapshot.Keepalive(
        enabled: true,
        idleSeconds: 15,
        intervalSeconds: 15,
        probes: 3,
        userTimeoutMilliseconds: 0
    )

    @Test func quietTimeIsCountedFromTheLaterOfLastDataAndLastAck() {
        let tcp = ConnectionSnapshot.TCP(
            state: "ESTABLISHED",
            lastDataReceivedMilliseconds: 9000,
            lastAckReceivedMilliseconds: 4000
        )
        let timeline = ConnectionKeepaliveTimeline(keepalive: Self.fifteen, tcp: tcp)
        #expect(timeline.phase == .idle)
        #expect(timeline.sinceLastTrafficMilliseconds == 4000)
        #expect(timeline.nextProbeInMilliseconds == 11_000)
        #expect(timeline.probesBeforeReset == 3)
        // 15 + 15 × 3 = 60 s after the last traffic.
        #expect(timeline.resetAfterMilliseconds == 60_000)
        #expect(timeline.resetInMilliseconds == 56_000)
    }

    @Test func unansweredProbesMoveTheNextProbeByTheInterval() {
        let tcp = ConnectionSnapshot.TCP(
            state: "ESTABLISHED",
            probes: 2,
            lastDataReceivedMilliseconds: 31_000,
            lastAckReceivedMilliseconds: 31_000
        )
        let timeline = ConnectionKeepaliveTimeline(keepalive: Self.fifteen, tcp: tcp)
        #expect(timeline.phase == .probing)
        #expect(timeline.probesUnanswered == 2)
        // Probes at 15 s and 30 s went out; the third is due at 45 s.
        #expect(timeline.nextProbeInMilliseconds == 14_000)
        #expect(timeline.resetInMilliseconds == 29_000)
    }

    @Test func afterTheLastProbeTheNextFiringResets() {
        let tcp = ConnectionSnapshot.TCP(
            state: "ESTABLISHED",
            probes: 3,
            lastDataReceivedMilliseconds: 50_000,
            lastAckReceivedMilliseconds: 50_000
        )
        let timeline = ConnectionKeepaliveTimeline(keepalive: Self.fifteen, tcp: tcp)
        #expect(timeline.nextProbeInMilliseconds == nil)
        #expect(timeline.resetInMilliseconds == 10_000)
    }

    /// With TCP_USER_TIMEOUT the count is ignored: the reset is the first firing at or after U with a probe out.
    @Test(arguments: [(20_000, 30_000), (15_000, 30_000), (5_000, 30_000), (61_000, 75_000), (200_000, 210_000)])
    func userTimeoutDecidesTheResetOnceAProbeIsOut(userTimeout: Int, reset: Int) {
        var keepalive = Self.fifteen
        keepalive.userTimeoutMilliseconds = userTimeout
        let tcp = ConnectionSnapshot.TCP(state: "ESTABLISHED")
        let timeline = ConnectionKeepaliveTimeline(keepalive: keepalive, tcp: tcp)
        #expect(timeline.resetAfterMilliseconds == reset)
        // The same rules as the plan's timeline for a dead peer.
        let planned = KeepaliveTimeline(time: 15, interval: 15, probes: 3, userTimeoutMilliseconds: userTimeout)
        #expect(Double(reset) / 1000 == planned.resetAt)
        #expect(timeline.probesBeforeReset == planned.probeTimes.count)
    }

    @Test func withoutUserTimeoutItMatchesThePlannedTimeline() {
        let keepalive = ConnectionSnapshot.Keepalive(
            enabled: true,
            idleSeconds: 7200,
            intervalSeconds: 75,
            probes: 9,
            userTimeoutMilliseconds: nil
        )
        let timeline = ConnectionKeepaliveTimeline(keepalive: keepalive, tcp: .init(state: "ESTABLISHED"))
        let planned = KeepaliveTimeline(time: 7200, interval: 75, probes: 9, userTimeoutMilliseconds: nil)
        #expect(Double(timeline.resetAfterMilliseconds ?? 0) / 1000 == planned.resetAt)
        #expect(timeline.probesBeforeReset == planned.probeTimes.count)
    }

    @Test func unacknowledgedDataHoldsProbesAndUserTimeoutBoundsTheConnection() {
        var keepalive = Self.fifteen
        let tcp = ConnectionSnapshot.TCP(
            state: "ESTABLISHED",
            unacknowledged: 4,
            lastDataReceivedMilliseconds: 2000,
            lastAckReceivedMilliseconds: 7000
        )
        let withoutUserTimeout = ConnectionKeepaliveTimeline(keepalive: keepalive, tcp: tcp)
        #expect(withoutUserTimeout.phase == .unackedData)
        #expect(withoutUserTimeout.nextProbeInMilliseconds == nil)
        #expect(withoutUserTimeout.resetInMilliseconds == nil)

        keepalive.userTimeoutMilliseconds = 30_000
        let withUserTimeout = ConnectionKeepaliveTimeline(keepalive: keepalive, tcp: tcp)
        #expect(withUserTimeout.nextProbeInMilliseconds == nil)
        #expect(withUserTimeout.resetInMilliseconds == 23_000)
    }

    @Test func keepaliveOffMeansNoProbesAndNoDeadline() {
        var keepalive = Self.fifteen
        keepalive.enabled = false
        let timeline = ConnectionKeepaliveTimeline(keepalive: keepalive, tcp: .init(state: "ESTABLISHED"))
        #expect(timeline.phase == .off)
        #expect(timeline.nextProbeInMilliseconds == nil)
        #expect(timeline.resetInMilliseconds == nil)
        #expect(timeline.resetAfterMilliseconds == nil)

        let closed = ConnectionKeepaliveTimeline(keepalive: Self.fifteen, tcp: .init(state: "CLOSE"))
        #expect(closed.phase == .off)
    }
}
