import Testing

@testable import LifelineProxy

/// Envoy's `drainClose()`: never before a drain; always with the immediate strategy; with the gradual one, a
/// probability that rises from 0 to 1 over the drain time.
@Suite struct DrainSignalTests {
    /// How many of `samples` responses would close their connection now.
    private func closing(_ signal: DrainSignal, samples: Int = 1000) -> Int {
        (0..<samples).filter { _ in signal.shouldClose() }.count
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

    @Test func theGradualStrategyClosesMoreResponsesAsTheDrainTimePasses() async throws {
        let signal = DrainSignal()
        signal.start(strategy: .gradual, time: .seconds(3))
        #expect(closing(signal) < 200)
        try await Task.sleep(for: .milliseconds(1500))
        let halfway = closing(signal)
        #expect((200...950).contains(halfway), "\(halfway) of 1000 at about half the drain time")
        try await Task.sleep(for: .milliseconds(1600))
        #expect(closing(signal) == 1000)
    }

    @Test func aSecondGradualDrainDoesNotRestartTheFirst() async throws {
        let signal = DrainSignal()
        signal.start(strategy: .gradual, time: .milliseconds(200))
        try await Task.sleep(for: .milliseconds(300))
        signal.start(strategy: .gradual, time: .seconds(600))
        #expect(closing(signal) == 1000)
    }
}
