import Testing

@testable import LifelineProxy

/// Envoy's `drainClose()`: never before a drain; always with the immediate strategy; with the gradual one, a
/// probability that rises from 0 to 1 over the drain time.
@Suite struct DrainSignalTests {
    /// How many of `samples` responses at `instant` would close their connection.
    private func closing(_ signal: DrainSignal, at instant: ContinuousClock.Instant = .now, samples: Int = 1000) -> Int
    {
        (0..<samples).filter { _ in signal.shouldClose(at: instant) }.count
    }

    @Test func noResponseClosesBeforeADrain() {
        let signal = DrainSignal()
        #expect(!signal.draining)
        #expect(closing(signal) == 0)
    }

    @Test func everyResponseClosesWithTheImmediateStrategy() {
        let signal = DrainSignal()
        signal.start(strategy: .immediate, time: .seconds(600))
        #expect(signal.draining)
        #expect(closing(signal) == 1000)
    }

    /// P = elapsed / drain time: about a tenth at a tenth of the drain time, half at half, all from its end.
    @Test func theGradualStrategyClosesMoreResponsesAsTheDrainTimePasses() {
        let signal = DrainSignal()
        let start = ContinuousClock.now
        signal.start(strategy: .gradual, time: .seconds(10), at: start)
        #expect(closing(signal, at: start) == 0)
        let tenth = closing(signal, at: start + .seconds(1))
        #expect((40...160).contains(tenth), "\(tenth) of 1000 at a tenth of the drain time")
        let half = closing(signal, at: start + .seconds(5))
        #expect((400...600).contains(half), "\(half) of 1000 at half the drain time")
        #expect(closing(signal, at: start + .seconds(10)) == 1000)
    }

    @Test func aSecondGradualDrainDoesNotRestartTheFirst() {
        let signal = DrainSignal()
        let start = ContinuousClock.now
        signal.start(strategy: .gradual, time: .seconds(1), at: start)
        signal.start(strategy: .gradual, time: .seconds(600), at: start + .seconds(2))
        #expect(closing(signal, at: start + .seconds(2)) == 1000)
    }
}
