import Foundation
import LifelineConfig
import Testing

/// The configs shipped in examples/ say what the README says they do.
@Suite struct ExampleConfigTests {
    private static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    @Test func quickstartDecodesWithTheSeedKeepaliveOptions() throws {
        let (bootstrap, warnings) = try Bootstrap.load(
            path: Self.examples.appendingPathComponent("quickstart.yaml").path
        )
        #expect(warnings.isEmpty)
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.name == "0.0.0.0_10000")
        // Numbers, as Envoy requires: SO_KEEPALIVE (1/9), TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT (6/4, 6/5, 6/6).
        #expect(listener.socketOptions.map(\.level) == [.number(1), .number(6), .number(6), .number(6)])
        #expect(listener.socketOptions.map(\.name) == [.number(9), .number(4), .number(5), .number(6)])
        #expect(listener.socketOptions.map(\.value) == [.int(1), .int(15), .int(15), .int(3)])
        #expect(listener.socketOptions.allSatisfy { $0.state == .listening })
    }

    @Test func brokenReportsItsThreeMistakesAtOnce() throws {
        let path = Self.examples.appendingPathComponent("broken.yaml").path
        let error = #expect(throws: ConfigError.self) { try Bootstrap.load(path: path) }
        let diagnostics = try #require(error).diagnostics
        #expect(
            diagnostics.map(\.path) == [
                "static_resources.listeners[0].address.socket_address.port_value",
                "static_resources.listeners[0].socket_options[0].state",
                "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster",
            ]
        )
        #expect(diagnostics[2].message == "no cluster named \"backend\"")
        #expect(diagnostics.allSatisfy { $0.location?.file == path && $0.location?.line != nil })
    }
}
