import Foundation
import LifelinePlan
import LifelineTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import LifelineProxy

/// Server contexts from the plan, against real clients: openssl s_client, curl and Python's ssl module.
@Suite("TLS server contexts with real clients", .serialized)
struct TLSServerContextTests {
    static func pem(_ issued: TestCertificates.Issued) -> CertificatePlan {
        CertificatePlan(
            certificateChain: PEMSource(pem: issued.certificatePEM, source: issued.certificatePath),
            privateKey: PEMSource(pem: issued.keyPEM, source: issued.keyPath)
        )
    }

    /// Runs `body` with a server for `plan`.
    static func withServer(
        inspector: ListenerFiltersPlan? = nil,
        plan: DownstreamTlsPlan,
        _ body: (TLSTestServer) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSTestServer.start(group: group, plan: plan, inspector: inspector)
        do {
            try await body(server)
        } catch {
            await server.stop()
            try await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        try await group.shutdownGracefully()
    }

    static func sClient(port: Int, caFile: String, _ extra: [String]) throws -> ExternalCommand.Output {
        try ExternalCommand(
            [
                "timeout", "20", "openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "lifeline.test",
                "-CAfile", caFile, "-ign_eof",
            ] + extra,
            standardInput: Data("GET / HTTP/1.0\r\n\r\n".utf8)
        ).run()
    }

    /// A Python `ssl` client: prints the response, or `ERROR` and the exception.
    static func python(
        port: Int,
        caFile: String,
        certificate: TestCertificates.Issued? = nil,
        alpn: [String] = []
    ) throws -> String {
        let script = """
            import socket, ssl, sys
            port, ca, cert, key, alpn = sys.argv[1:6]
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.load_verify_locations(ca)
            if cert:
                context.load_cert_chain(cert, key)
            if alpn:
                context.set_alpn_protocols(alpn.split(","))
            try:
                with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as raw:
                    with context.wrap_socket(raw, server_hostname="lifeline.test") as tls:
                        tls.sendall(b"GET / HTTP/1.1\\r\\nHost: lifeline.test\\r\\n\\r\\n")
                        data = b""
                        while chunk := tls.recv(4096):
                            data += chunk
                        if not data:
                            raise ConnectionError("closed without a response")
                        print(data.decode().split("\\r\\n\\r\\n", 1)[1], end="")
            except Exception as error:
                print("ERROR", type(error).__name__, error)
            """
        return try ExternalCommand([
            "timeout", "20", "python3", "-c", script, "\(port)", caFile, certificate?.certificatePath ?? "",
            certificate?.keyPath ?? "", alpn.joined(separator: ","),
        ]).check().text
    }

    @Test("RSA and ECDSA certificates over TLS 1.3 and 1.2 with openssl s_client; TLS 1.1 refused")
    func openssl() async throws {
        for keyKind in ["rsa", "ecdsa"] {
            let certificates = try TestCertificates.make()
            defer { certificates.remove() }
            try await Self.withServer(
                plan:
                    DownstreamTlsPlan(certificates: [
                        Self.pem(keyKind == "rsa" ? certificates.serverRSA : certificates.serverECDSA)
                    ])
            ) { server in
                let ca = certificates.authority.certificatePath
                let tls13 = try Self.sClient(port: server.port, caFile: ca, ["-tls1_3"])
                #expect(tls13.text.contains("Protocol: TLSv1.3") || tls13.text.contains("TLSv1.3"), "\(tls13.text)")
                #expect(tls13.text.contains("Verify return code: 0 (ok)"))
                #expect(tls13.text.contains("tls=true alpn=none"))

                let tls12 = try Self.sClient(port: server.port, caFile: ca, ["-tls1_2"])
                #expect(tls12.text.contains("TLSv1.2"))
                #expect(tls12.text.contains("tls=true"))

                let tls11 = try Self.sClient(
                    port: server.port,
                    caFile: ca,
                    ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]
                )
                #expect(!tls11.text.contains("tls=true"))
                #expect(
                    try await server.stats(count: 5) == [
                        .handshake, .noCertificate, .handshake, .noCertificate, .connectionError,
                    ]
                )
            }
        }
    }

    @Test("curl verifies the server against the CA by name and negotiates h2 or http/1.1 by ALPN")
    func curl() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(
            plan:
                DownstreamTlsPlan(
                    certificates: [Self.pem(certificates.serverECDSA)],
                    common: CommonTlsPlan(alpnProtocols: ["http/1.1"])
                )
        ) { server in
            let output = try ExternalCommand([
                "timeout", "20", "curl", "-sS", "--http1.1", "--resolve", "lifeline.test:\(server.port):127.0.0.1",
                "--cacert", certificates.authority.certificatePath, "https://lifeline.test:\(server.port)/",
            ]).check()
            #expect(output.text == "tls=true alpn=http/1.1\n")
            // No protocol in common: the handshake goes on without ALPN, as Envoy's.
            let noOverlap = try Self.python(
                port: server.port,
                caFile: certificates.authority.certificatePath,
                alpn: ["h2"]
            )
            #expect(noOverlap == "tls=true alpn=none\n")
            // A name the certificate does not carry fails on curl's side.
            let wrongName = try ExternalCommand([
                "timeout", "20", "curl", "-sS", "--resolve", "other.test:\(server.port):127.0.0.1",
                "--cacert", certificates.authority.certificatePath, "https://other.test:\(server.port)/",
            ]).run()
            #expect(wrongName.status != 0)
        }
    }

    @Test("minimum version and cipher suites from the plan")
    func versionsAndCiphers() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(
            plan:
                DownstreamTlsPlan(
                    certificates: [Self.pem(certificates.serverECDSA)],
                    common: CommonTlsPlan(
                        minimumVersion: .tlsv12,
                        maximumVersion: .tlsv12,
                        cipherSuites: ["ECDHE-ECDSA-CHACHA20-POLY1305"]
                    )
                )
        ) { server in
            let ca = certificates.authority.certificatePath
            let output = try Self.sClient(port: server.port, caFile: ca, [])
            #expect(output.text.contains("ECDHE-ECDSA-CHACHA20-POLY1305"))
            #expect(output.text.contains("TLSv1.2"))
            let tls13 = try Self.sClient(port: server.port, caFile: ca, ["-tls1_3"])
            #expect(!tls13.text.contains("tls=true"))
            let otherCipher = try Self.sClient(
                port: server.port,
                caFile: ca,
                ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]
            )
            #expect(!otherCipher.text.contains("tls=true"))
        }
    }

    @Test("ecdh_curves limits the key exchange groups")
    func curves() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let plan = DownstreamTlsPlan(
            certificates: [Self.pem(certificates.serverECDSA)],
            common: CommonTlsPlan(ecdhCurves: ["P-256"])
        )
        try await Self.withServer(plan: plan) { server in
            let ca = certificates.authority.certificatePath
            let p256 = try Self.sClient(port: server.port, caFile: ca, ["-groups", "P-256"])
            #expect(p256.text.contains("tls=true"))
            let x25519 = try Self.sClient(port: server.port, caFile: ca, ["-groups", "X25519"])
            #expect(!x25519.text.contains("tls=true"))
        }
    }

    @Test("mTLS: a client certificate from the trusted CA passes; none, or another CA's, fail with their own stat")
    func mutualTLS() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(
            plan:
                DownstreamTlsPlan(
                    certificates: [Self.pem(certificates.serverRSA)],
                    common: CommonTlsPlan(
                        trustedCA: PEMSource(pem: certificates.authority.certificatePEM, source: "ca.crt")
                    ),
                    requireClientCertificate: true
                )
        ) { server in
            let ca = certificates.authority.certificatePath
            let good = try Self.python(port: server.port, caFile: ca, certificate: certificates.client, alpn: ["h2"])
            #expect(good == "tls=true alpn=none\n")
            let outcome1 = try await server.stats(count: 1)
            #expect(outcome1 == [.handshake])

            let none = try Self.python(port: server.port, caFile: ca)
            #expect(none.hasPrefix("ERROR"))
            let outcome2 = try await server.stats(count: 2)
            #expect(outcome2.last == .failVerifyNoCertificate)

            let untrusted = try Self.python(port: server.port, caFile: ca, certificate: certificates.untrustedClient)
            #expect(untrusted.hasPrefix("ERROR"))
            let outcome3 = try await server.stats(count: 3)
            #expect(outcome3.last == .failVerifyError)
        }
    }

    @Test("trusted_ca without require_client_certificate: a certificate is optional, but verified when sent")
    func optionalClientCertificate() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let plan = DownstreamTlsPlan(
            certificates: [Self.pem(certificates.serverECDSA)],
            common: CommonTlsPlan(trustedCA: PEMSource(pem: certificates.authority.certificatePEM, source: "ca.crt"))
        )
        try await Self.withServer(plan: plan) { server in
            let ca = certificates.authority.certificatePath
            #expect(try Self.python(port: server.port, caFile: ca) == "tls=true alpn=none\n")
            #expect(try await server.stats(count: 2) == [.handshake, .noCertificate])
            #expect(
                try Self.python(port: server.port, caFile: ca, certificate: certificates.client).hasPrefix("tls=true")
            )
            #expect(try await server.stats(count: 3).last == .handshake)
            let untrusted = try Self.python(port: server.port, caFile: ca, certificate: certificates.untrustedClient)
            #expect(untrusted.hasPrefix("ERROR"))
            #expect(try await server.stats(count: 4).last == .failVerifyError)
        }
    }

    @Test("mTLS with match_typed_subject_alt_names: the client's SANs decide")
    func subjectAltNames() async throws {
        for (matcher, passes) in [
            (SubjectAltNameMatch(kind: .uri, matcher: .exact("spiffe://lifeline.test/client")), true),
            (SubjectAltNameMatch(kind: .dns, matcher: .suffix(".LIFELINE.test")), true),
            (SubjectAltNameMatch(kind: .uri, matcher: .prefix("spiffe://other.test/")), false),
        ] {
            let certificates = try TestCertificates.make()
            defer { certificates.remove() }
            try await Self.withServer(
                plan:
                    DownstreamTlsPlan(
                        certificates: [Self.pem(certificates.serverECDSA)],
                        common: CommonTlsPlan(
                            trustedCA: PEMSource(pem: certificates.authority.certificatePEM, source: "ca.crt"),
                            matchSubjectAltNames: [matcher]
                        ),
                        requireClientCertificate: true
                    )
            ) { server in
                let ca = certificates.authority.certificatePath
                let output = try Self.python(port: server.port, caFile: ca, certificate: certificates.client)
                #expect(output.hasPrefix("tls=true") == passes, "\(matcher): \(output)")
                let outcome4 = try await server.stats(count: 1)
                #expect(outcome4 == [passes ? .handshake : .failVerifySAN])
            }
        }
    }

    @Test("behind the TLS inspector: the TLS handler sees the whole ClientHello; plaintext goes on as raw_buffer")
    func inspectorOnLoopback() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(
            inspector: ListenerFiltersPlan(tlsInspector: true),
            plan: DownstreamTlsPlan(
                certificates: [Self.pem(certificates.serverRSA)],
                common: CommonTlsPlan(alpnProtocols: ["h2", "http/1.1"])
            )
        ) { server in
            let output = try Self.python(
                port: server.port,
                caFile: certificates.authority.certificatePath,
                alpn: ["http/1.1"]
            )
            #expect(output == "tls=true alpn=http/1.1 sni=lifeline.test transport=tls\n")
            let plain = try ExternalCommand([
                "timeout", "20", "curl", "-sS", "http://127.0.0.1:\(server.port)/",
            ]).check()
            #expect(plain.text == "tls=false alpn=none sni=none transport=raw_buffer\n")
            #expect(
                server.inspections.value == [
                    TLSInspection(transportProtocol: .tls, serverName: "lifeline.test", alpn: ["http/1.1"]),
                    .rawBuffer,
                ]
            )
        }
    }

    /// A Python client that connects, waits `pause` seconds, optionally sends a line, and prints what came back.
    static func slowClient(port: Int, pause: Double, send: Bool) throws -> String {
        let script = """
            import socket, sys, time
            port, pause, send = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                time.sleep(pause)
                try:
                    if send:
                        s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
                    data = b""
                    while chunk := s.recv(4096):
                        data += chunk
                    print("EOF", data.decode().split("\\r\\n\\r\\n")[-1], end="")
                except OSError as error:
                    print("ERROR", error)
            """
        return try ExternalCommand([
            "timeout", "20", "python3", "-c", script, "\(port)", "\(pause)", send ? "1" : "0",
        ]).check().text
    }

    @Test("on a real socket the listener filter timeout closes a silent client, or lets it go on as raw_buffer")
    func inspectorTimeoutOnLoopback() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let plan = DownstreamTlsPlan(certificates: [Self.pem(certificates.serverRSA)])
        let closing = ListenerFiltersPlan(tlsInspector: true, timeout: .milliseconds(200))
        try await Self.withServer(inspector: closing, plan: plan) { server in
            let started = ContinuousClock.now
            let output = try Self.slowClient(port: server.port, pause: 0, send: false)
            #expect(output == "EOF ")
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(server.inspections.value.isEmpty)
        }
        let continuing = ListenerFiltersPlan(tlsInspector: true, timeout: .milliseconds(200), continueOnTimeout: true)
        try await Self.withServer(inspector: continuing, plan: plan) { server in
            let output = try Self.slowClient(port: server.port, pause: 0.6, send: true)
            #expect(output == "EOF tls=false alpn=none sni=none transport=raw_buffer\n")
            #expect(server.inspections.value == [TLSInspection(transportProtocol: .rawBuffer, timedOut: true)])
        }
    }
}
