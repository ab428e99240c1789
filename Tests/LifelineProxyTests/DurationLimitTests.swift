import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// Every duration `check` accepts is safe in `run`: the largest a config can spell (proto's 315,576,000,000 s)
    /// saturates instead of overflowing when it becomes a timer.
    @Suite struct DurationLimitTests {
        @Test func theLargestTimeoutsStartAndProxy() async throws {
            try await withGateway(
                upstream: EchoHandler(),
                tcpProxyExtra: "          idle_timeout: 315576000000s",
                connectTimeout: "10000000000s"
            ) { harness, group in
                let reply = try await pingOnce(port: harness.port, group: group)
                #expect(reply == "ping")
            }
        }
    }
}
