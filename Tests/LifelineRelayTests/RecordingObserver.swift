#if os(Linux)
    import LifelineRelay
    import Synchronization

    /// Records what the relay reports about one connection; read from the test's thread.
    final class RecordingObserver: RelayConnectionObserver, Sendable {
        struct Record {
            var connected = false
            var connectFailure: (errorNumber: Int32, timedOut: Bool)?
            var bytesRead: [RelaySide: Int] = [:]
            var pauses: [RelaySide: Int] = [:]
            var idleTimedOut = false
            var closed: [RelaySide: RelayCloseFacts] = [:]
            var finished = false
        }

        private let record = Mutex(Record())

        var snapshot: Record { record.withLock { $0 } }

        func relayUpstreamConnected(descriptor: Int32) { record.withLock { $0.connected = true } }
        func relayUpstreamConnectFailed(errorNumber: Int32, timedOut: Bool) {
            record.withLock { $0.connectFailure = (errorNumber, timedOut) }
        }
        func relayRead(_ side: RelaySide, count: Int) { record.withLock { $0.bytesRead[side, default: 0] += count } }
        func relayPausedReading(_ side: RelaySide) { record.withLock { $0.pauses[side, default: 0] += 1 } }
        func relayIdleTimedOut() { record.withLock { $0.idleTimedOut = true } }
        func relaySideClosed(_ side: RelaySide, facts: RelayCloseFacts) { record.withLock { $0.closed[side] = facts } }
        func relayFinished() { record.withLock { $0.finished = true } }

        /// Waits (up to `seconds`) until `condition` holds for the record.
        func wait(seconds: Double = 5, until condition: (Record) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline {
                if condition(snapshot) { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return condition(snapshot)
        }
    }
#endif
