import LifelinePlan
import NIOCore
import NIOSSL

extension TLSContextFactory {
    /// Succeeds when one of `matchers` matches one of the certificate's SANs of its kind.
    static func checkSubjectAltNames(
        of certificate: NIOSSLCertificate,
        against matchers: [SubjectAltNameMatch],
        on channel: any Channel
    ) -> EventLoopFuture<Void> {
        let presented = subjectAltNames(of: certificate)
        let matched = matchers.contains { matcher in
            presented.contains { $0.kind == matcher.kind && matches(matcher, value: $0.value) }
        }
        if matched { return channel.eventLoop.makeSucceededVoidFuture() }
        let mismatch = SubjectAltNameMismatch(presented: presented.map { "\($0.kind.rawValue):\($0.value)" })
        return channel.eventLoop.makeFailedFuture(mismatch)
    }

    /// Envoy's SAN string matching: DNS names compare without case, and an `exact` DNS matcher also matches a
    /// certificate's single-label wildcard (`*.example.com` covers `api.example.com`).
    static func matches(_ matcher: SubjectAltNameMatch, value: String) -> Bool {
        let dns = matcher.kind == .dns
        let candidate = dns ? value.lowercased() : value
        func fold(_ text: String) -> String { dns ? text.lowercased() : text }
        switch matcher.matcher {
        case .exact(let wanted):
            let wanted = fold(wanted)
            if candidate == wanted { return true }
            guard dns, candidate.hasPrefix("*."), let dot = wanted.firstIndex(of: ".") else { return false }
            return wanted[dot...] == candidate.dropFirst() && wanted[..<dot].count > 0
        case .prefix(let wanted): return candidate.hasPrefix(fold(wanted))
        case .suffix(let wanted): return candidate.hasSuffix(fold(wanted))
        case .contains(let wanted): return candidate.contains(fold(wanted))
        }
    }

    static func subjectAltNames(of certificate: NIOSSLCertificate) -> [(kind: SubjectAltNameMatch.Kind, value: String)]
    {
        certificate._subjectAlternativeNames().compactMap { name in
            let bytes = Array(name.contents)
            switch name.nameType {
            case .dnsName: return (.dns, String(decoding: bytes, as: UTF8.self))
            case .uri: return (.uri, String(decoding: bytes, as: UTF8.self))
            case .email: return (.email, String(decoding: bytes, as: UTF8.self))
            case .ipAddress:
                guard let address = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: 0),
                    let text = address.ipAddress
                else { return nil }
                return (.ipAddress, text)
            default: return nil
            }
        }
    }
}
