import Foundation
import LifelinePlan
import LifelineTestSupport
import Testing

/// `lifeline check`'s TLS material checks on certificates made by openssl for the test.
@Suite("TLS material validator")
struct TlsMaterialValidatorTests {
    let certificates: TestCertificates

    init() throws {
        certificates = try TestCertificates.make()
    }

    func plan(_ issued: TestCertificates.Issued, key: TestCertificates.Issued? = nil) -> CertificatePlan {
        CertificatePlan(
            certificateChain: PEMSource(pem: issued.certificatePEM, source: issued.certificatePath),
            privateKey: PEMSource(pem: (key ?? issued).keyPEM, source: (key ?? issued).keyPath)
        )
    }

    @Test("RSA and ECDSA certificates with their own keys have no problems")
    func goodMaterial() {
        defer { certificates.remove() }
        for issued in [certificates.serverRSA, certificates.serverECDSA, certificates.client] {
            #expect(TlsMaterialValidator.problems(in: plan(issued), now: Date()) == [])
        }
        let ca = PEMSource(pem: certificates.authority.certificatePEM, source: "ca.crt")
        #expect(TlsMaterialValidator.problems(inCA: ca, now: Date()) == [])
    }

    @Test("a chain with the CA after the leaf is checked whole")
    func chain() {
        defer { certificates.remove() }
        var entry = plan(certificates.serverECDSA)
        entry.certificateChain.pem += certificates.authority.certificatePEM
        #expect(TlsMaterialValidator.problems(in: entry, now: Date()) == [])
        let far = Date().addingTimeInterval(60 * 86_400)
        #expect(TlsMaterialValidator.problems(in: entry, now: far).count == 2, "both expire within 30 days")
    }

    @Test("a key from another certificate is named by its source, without key material")
    func mismatchedKey() throws {
        defer { certificates.remove() }
        for key in [certificates.serverRSA, certificates.client] {
            let problems = TlsMaterialValidator.problems(in: plan(certificates.serverECDSA, key: key), now: Date())
            let problem = try #require(problems.first)
            #expect(problems.count == 1)
            #expect(problem.hasPrefix("\(key.keyPath): the private key does not match"))
            #expect(problem.contains(certificates.serverECDSA.certificatePath))
            #expect(!problem.contains("PRIVATE KEY"))
        }
    }

    @Test("an expired certificate, and one not yet valid")
    func validity() throws {
        defer { certificates.remove() }
        let expired = TlsMaterialValidator.problems(in: plan(certificates.expired), now: Date())
        #expect(expired.count == 1)
        #expect(try #require(expired.first).contains("expired at"))
        let past = Date().addingTimeInterval(-86_400)
        let early = TlsMaterialValidator.problems(in: plan(certificates.serverRSA), now: past)
        #expect(try #require(early.first).contains("is not valid before"))
    }

    @Test("PEM that does not parse")
    func garbage() {
        defer { certificates.remove() }
        let entry = CertificatePlan(
            certificateChain: PEMSource(pem: "hello", source: "inline_string at chain"),
            privateKey: PEMSource(
                pem: "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
                source: "key.pem"
            )
        )
        let problems = TlsMaterialValidator.problems(in: entry, now: Date())
        #expect(
            problems == [
                "inline_string at chain: no PEM certificate (BEGIN CERTIFICATE) in it",
                "key.pem: not a PEM private key (RSA, ECDSA or Ed25519)",
            ]
        )
        #expect(!problems.joined().contains("c2VjcmV0"))
        var broken = certificates.authority.certificatePEM
        broken = broken.replacingOccurrences(of: "\n", with: "\nAAAA", options: [], range: broken.range(of: "\n"))
        let ca = TlsMaterialValidator.problems(inCA: PEMSource(pem: broken, source: "ca.crt"), now: Date())
        #expect(ca == ["ca.crt: certificate 1 is not a valid X.509 certificate"])
    }
}
