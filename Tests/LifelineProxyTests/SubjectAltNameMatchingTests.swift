import LifelinePlan
import NIOCore
import NIOSSL
import Testing

@testable import LifelineProxy

/// `match_typed_subject_alt_names` string matching, and which `ssl.*` stat an error counts towards.
@Suite("SAN matching and handshake stats")
struct SubjectAltNameMatchingTests {
    func match(_ kind: SubjectAltNameMatch.Kind, _ matcher: SubjectAltNameMatch.Matcher, _ value: String) -> Bool {
        TLSContextFactory.matches(SubjectAltNameMatch(kind: kind, matcher: matcher), value: value)
    }

    @Test("DNS names: exact without case, a certificate wildcard covers one label")
    func dnsNames() {
        #expect(match(.dns, .exact("api.lifeline.test"), "API.Lifeline.test"))
        #expect(match(.dns, .exact("api.lifeline.test"), "*.lifeline.test"))
        #expect(!match(.dns, .exact("a.api.lifeline.test"), "*.lifeline.test"))
        #expect(!match(.dns, .exact("lifeline.test"), "*.lifeline.test"))
        #expect(match(.dns, .suffix(".lifeline.test"), "client.lifeline.test"))
        #expect(match(.dns, .prefix("client."), "client.lifeline.test"))
        #expect(match(.dns, .contains("LIFELINE"), "client.lifeline.test"))
    }

    @Test("URIs and the rest compare exactly")
    func uris() {
        #expect(match(.uri, .exact("spiffe://lifeline.test/ns/a"), "spiffe://lifeline.test/ns/a"))
        #expect(!match(.uri, .exact("spiffe://lifeline.test/ns/a"), "spiffe://lifeline.test/NS/a"))
        #expect(match(.uri, .prefix("spiffe://lifeline.test/"), "spiffe://lifeline.test/ns/a"))
        #expect(match(.ipAddress, .exact("127.0.0.1"), "127.0.0.1"))
    }

    @Test("errors that are not a verification failure count as connection errors")
    func stats() {
        #expect(TLSHandshakeStat(failure: SubjectAltNameMismatch(presented: [])) == .failVerifySAN)
        #expect(TLSHandshakeStat(failure: ChannelError.eof) == .connectionError)
        #expect(TLSHandshakeStat(failure: NIOSSLError.uncleanShutdown) == .connectionError)
        #expect(
            TLSHandshakeStat.completed(peerPresentedCertificate: false, isServer: true) == [.handshake, .noCertificate]
        )
        #expect(TLSHandshakeStat.completed(peerPresentedCertificate: false, isServer: false) == [.handshake])
        #expect(TLSHandshakeStat.allCases.map(\.rawValue).allSatisfy { $0.hasPrefix("ssl.") })
    }
}
