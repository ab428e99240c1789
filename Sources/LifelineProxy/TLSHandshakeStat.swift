import NIOSSL

/// What a TLS handshake counts towards, by Envoy's `ssl.*` stat names: one of these per handshake outcome, so
/// failures are countable by reason.
public enum TLSHandshakeStat: String, Sendable, Hashable, CaseIterable {
    /// A handshake that completed.
    case handshake = "ssl.handshake"
    /// A completed server-side handshake whose client sent no certificate.
    case noCertificate = "ssl.no_certificate"
    /// The client sent no certificate though one is required.
    case failVerifyNoCertificate = "ssl.fail_verify_no_cert"
    /// The peer's certificate did not verify (unknown CA, expired, bad signature).
    case failVerifyError = "ssl.fail_verify_error"
    /// The peer's certificate verified but carries none of `match_typed_subject_alt_names`.
    case failVerifySAN = "ssl.fail_verify_san"
    /// Any other failure: no shared version or cipher, a malformed message, an alert from the peer, a reset.
    case connectionError = "ssl.connection_error"

    /// What a completed handshake counts towards.
    public static func completed(peerPresentedCertificate: Bool, isServer: Bool) -> [TLSHandshakeStat] {
        isServer && !peerPresentedCertificate ? [.handshake, .noCertificate] : [.handshake]
    }

    /// What the error a TLS handler fired during the handshake counts towards.
    public init(failure: any Error) {
        if failure is SubjectAltNameMismatch {
            self = .failVerifySAN
            return
        }
        guard let error = failure as? NIOSSLError, case .handshakeFailed(let boringError) = error,
            case .sslError(let stack) = boringError
        else {
            self = .connectionError
            return
        }
        let reasons = stack.map(\.description)
        if reasons.contains(where: { $0.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") }) {
            self = .failVerifyNoCertificate
        } else if reasons.contains(where: { $0.contains("CERTIFICATE_VERIFY_FAILED") }) {
            self = .failVerifyError
        } else {
            self = .connectionError
        }
    }
}
