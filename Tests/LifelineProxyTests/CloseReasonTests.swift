import Glibc
import LifelineProxy
import LifelineSocket
import Testing

/// How a closed side is classified, without a channel.
@Suite struct CloseReasonTests {
    private func info(probes: Int, unacknowledged: Int = 0) -> TCPInfo {
        var raw = tcp_info()
        raw.tcpi_state = 7
        raw.tcpi_probes = UInt8(probes)
        raw.tcpi_unacked = UInt32(unacknowledged)
        return TCPInfo(raw)
    }

    private func classify(
        _ errorNumber: Int32? = nil,
        _ tcpInfo: TCPInfo? = nil,
        fin: Bool = false,
        requested: Bool = false,
        reason: CloseReason? = nil
    ) -> CloseReason {
        CloseReason.classify(
            errorNumber: errorNumber,
            tcpInfo: tcpInfo,
            sawEndOfInput: fin,
            closeRequested: requested,
            localReason: reason
        )
    }

    @Test func timeoutsAreToldApartByTheProbesOut() {
        #expect(classify(ETIMEDOUT, info(probes: 3)) == .keepaliveTimeout)
        #expect(classify(ETIMEDOUT, info(probes: 0, unacknowledged: 4)) == .userTimeout)
        #expect(classify(ETIMEDOUT) == .userTimeout)
    }

    @Test func resetsOutrankEverythingButTimeouts() {
        #expect(classify(ECONNRESET) == .remoteReset)
        #expect(classify(EPIPE, fin: true, requested: true) == .remoteReset)
    }

    @Test func finsAndLocalCloses() {
        // The peer's FIN counts even when the gateway then closes its side.
        #expect(classify(fin: true, requested: true) == .remoteFIN)
        #expect(classify(requested: true) == .local)
        // Closed without a request and without an end-of-input event: NIO's close after a FIN on a half-closed side.
        #expect(classify() == .remoteFIN)
        #expect(classify(fin: true, requested: true, reason: .idleTimeout) == .idleTimeout)
    }
}
