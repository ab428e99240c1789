public import Foundation

/// Certificates and keys made with `openssl` at test time in a temporary directory (none is committed): a CA, a
/// second CA nobody trusts, RSA and ECDSA server certificates with SANs, client certificates and an expired one.
public struct TestCertificates: Sendable {
    /// A certificate and its key, as files and as PEM text.
    public struct Issued: Sendable {
        public var certificatePath: String
        public var keyPath: String
        public var certificatePEM: String
        public var keyPEM: String
    }

    /// Where everything lives; `remove()` deletes it.
    public var directory: URL
    /// The CA that signed the server and client certificates (RSA).
    public var authority: Issued
    /// A CA that signed `untrustedClient` and nothing the others trust (ECDSA).
    public var otherAuthority: Issued
    /// RSA server certificate, SANs `DNS:localhost`, `DNS:lifeline.test`, `DNS:*.lifeline.test`, `IP:127.0.0.1`.
    public var serverRSA: Issued
    /// ECDSA P-256 server certificate with the same SANs.
    public var serverECDSA: Issued
    /// ECDSA client certificate, SANs `DNS:client.lifeline.test`, `URI:spiffe://lifeline.test/client`.
    public var client: Issued
    /// A client certificate signed by `otherAuthority`.
    public var untrustedClient: Issued
    /// A server certificate for `localhost` whose validity ended a day before its issue.
    public var expired: Issued

    /// The SANs every server certificate carries.
    public static let serverNames = ["localhost", "lifeline.test", "*.lifeline.test"]

    /// Makes a fresh set in a new temporary directory.
    public static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lifeline-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let maker = Maker(directory: directory)
        let authority = try maker.authority(name: "ca", key: .rsa, subject: "/CN=Lifeline Test CA")
        let otherAuthority = try maker.authority(name: "other-ca", key: .ecdsa, subject: "/CN=Other Test CA")
        let serverSANs = "DNS:localhost,DNS:lifeline.test,DNS:*.lifeline.test,IP:127.0.0.1"
        return TestCertificates(
            directory: directory,
            authority: authority,
            otherAuthority: otherAuthority,
            serverRSA: try maker.issue(
                name: "server-rsa",
                key: .rsa,
                subject: "/CN=lifeline.test",
                sans: serverSANs,
                by: authority
            ),
            serverECDSA: try maker.issue(
                name: "server-ecdsa",
                key: .ecdsa,
                subject: "/CN=lifeline.test",
                sans: serverSANs,
                by: authority
            ),
            client: try maker.issue(
                name: "client",
                key: .ecdsa,
                subject: "/CN=client",
                sans: "DNS:client.lifeline.test,URI:spiffe://lifeline.test/client",
                by: authority
            ),
            untrustedClient: try maker.issue(
                name: "untrusted-client",
                key: .ecdsa,
                subject: "/CN=untrusted",
                sans: "DNS:client.lifeline.test",
                by: otherAuthority
            ),
            expired: try maker.issue(
                name: "expired",
                key: .rsa,
                subject: "/CN=localhost",
                sans: "DNS:localhost",
                by: authority,
                days: -1
            )
        )
    }

    /// Deletes the directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

private enum KeyKind {
    case rsa
    case ecdsa

    var newkeyArguments: [String] {
        switch self {
        case .rsa: ["-newkey", "rsa:2048"]
        case .ecdsa: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        }
    }
}

private struct Maker {
    var directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func authority(name: String, key: KeyKind, subject: String) throws -> TestCertificates.Issued {
        try ExternalCommand(
            ["openssl", "req", "-x509", "-nodes", "-days", "30", "-subj", subject]
                + key.newkeyArguments
                + ["-keyout", path("\(name).key"), "-out", path("\(name).crt")]
        ).check()
        return try read(name)
    }

    func issue(
        name: String,
        key: KeyKind,
        subject: String,
        sans: String,
        by authority: TestCertificates.Issued,
        days: Int = 30
    ) throws -> TestCertificates.Issued {
        try ExternalCommand(
            ["openssl", "req", "-nodes", "-subj", subject]
                + key.newkeyArguments
                + ["-keyout", path("\(name).key"), "-out", path("\(name).csr")]
        ).check()
        try "subjectAltName=\(sans)\n".write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try ExternalCommand([
            "openssl", "x509", "-req", "-in", path("\(name).csr"),
            "-CA", authority.certificatePath, "-CAkey", authority.keyPath, "-set_serial",
            "\(UInt32.random(in: 1...UInt32.max))",
            "-days", "\(days)", "-extfile", path("\(name).ext"), "-out", path("\(name).crt"),
        ]).check()
        return try read(name)
    }

    func read(_ name: String) throws -> TestCertificates.Issued {
        TestCertificates.Issued(
            certificatePath: path("\(name).crt"),
            keyPath: path("\(name).key"),
            certificatePEM: try String(contentsOfFile: path("\(name).crt"), encoding: .utf8),
            keyPEM: try String(contentsOfFile: path("\(name).key"), encoding: .utf8)
        )
    }
}
