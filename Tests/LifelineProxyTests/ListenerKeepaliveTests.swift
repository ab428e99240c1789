import Foundation
import LifelineProxy
import LifelineSocket
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// What an operator sees: `ss -tno` on a proxied downstream connection shows the kernel's keepalive timer.
    @Suite struct ListenerKeepaliveTests {
        static let keepaliveOptions = """
                socket_options:
                - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                - { level: 6, name: 4, int_value: 15, state: STATE_LISTENING }
                - { level: IPPROTO_TCP, name: TCP_KEEPINTVL, int_value: 15, state: STATE_LISTENING }
                - { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 3, state: STATE_LISTENING }
            """

        /// `ss -tno` lines for established connections whose local port is `port`.
        private func socketStatistics(localPort port: Int) throws -> String {
            try runSS(["-tnoH", "state", "established", "( sport = :\(port) )"])
        }

        /// The seconds left on `timer:(keepalive,14sec,0)` (or `119min`, which ss prints past an hour), or nil.
        private func keepaliveSeconds(_ line: Substring) -> Int? {
            guard let range = line.range(of: "timer:(keepalive,") else { return nil }
            let rest = line[range.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            guard let number = Int(digits) else { return nil }
            return rest.dropFirst(digits.count).hasPrefix("min") ? number * 60 : number
        }

        /// `ss` lines of the gateway's side of one proxied connection (after a byte went through and came back),
        /// with the listener configured by `listenerExtra`.
        private func proxiedConnectionLines(listenerExtra: String) async throws -> [Substring] {
            try await withGateway(upstream: EchoHandler(), listenerExtra: listenerExtra) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                return try await client.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "ping"))
                    var iterator = inbound.makeAsyncIterator()
                    _ = try await iterator.next()
                    return try socketStatistics(localPort: harness.port).split(separator: "\n")
                }
            }
        }

        @Test func proxiedDownstreamConnectionShowsTheKeepaliveTimerFromFifteenSeconds() async throws {
            let lines = try await proxiedConnectionLines(listenerExtra: Self.keepaliveOptions)
            #expect(lines.count == 1, "\(lines)")
            let seconds = try #require(lines.first.flatMap(keepaliveSeconds), "no keepalive timer in \(lines)")
            #expect((10...15).contains(seconds), "\(lines)")
        }

        /// Envoy's order: STATE_PREBIND is applied before STATE_LISTENING, so the accepted socket keeps 15 s whatever
        /// order the config lists them in.
        @Test(arguments: [false, true])
        func theListeningValueIsKeptOverThePrebindOne(prebindFirst: Bool) async throws {
            let prebind = "    - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 120, state: STATE_PREBIND }"
            let listening = "    - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 15, state: STATE_LISTENING }"
            let lines = try await proxiedConnectionLines(
                listenerExtra: """
                        socket_options:
                        - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                    \(prebindFirst ? prebind : listening)
                    \(prebindFirst ? listening : prebind)
                    """
            )
            let seconds = try #require(lines.first.flatMap(keepaliveSeconds), "no keepalive timer in \(lines)")
            #expect((10...15).contains(seconds), "\(lines)")
        }

        /// `tcp_keepalive: {}` means what it means in Envoy: SO_KEEPALIVE with the kernel's idle time.
        @Test func anEmptyTcpKeepaliveRunsOnTheKernelsIdleTime() async throws {
            let kernelTime = KernelKeepalive.current().time
            let lines = try await proxiedConnectionLines(listenerExtra: "    tcp_keepalive: {}")
            let seconds = try #require(lines.first.flatMap(keepaliveSeconds), "no keepalive timer in \(lines)")
            // ss rounds to whole minutes past 60 s.
            let slack = kernelTime > 60 ? 65 : 5
            #expect((kernelTime - slack...kernelTime).contains(seconds), "\(lines)")
        }

        @Test func keepaliveTurnedOffLeavesNoKeepaliveTimer() async throws {
            let lines = try await proxiedConnectionLines(listenerExtra: "    tcp_keepalive: { enabled: false }")
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first.flatMap(keepaliveSeconds) == nil, "\(lines)")
        }
    }
}

/// Runs `ss` (iproute2) with `arguments` and returns what it printed.
func runSS(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ss"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "ss (iproute2) must be installed")
    return String(decoding: output, as: UTF8.self)
}
