public import LifelinePlan
public import NIOSSL

/// Builds swift-nio-ssl contexts and handlers from the plan's `DownstreamTlsContext` and `UpstreamTlsContext`.
///
/// Envoy's meaning, where NIOSSL can say it:
/// - a server presents its first `tls_certificates` entry (NIOSSL holds one chain per context; Envoy would pick
///   between an RSA and an ECDSA one by what the client supports);
/// - with `trusted_ca` a server asks for a client certificate and verifies one if sent; `require_client_certificate`
///   makes it mandatory;
/// - a client verifies the upstream against `trusted_ca`, and does not verify it at all without a
///   `validation_context`, as Envoy; hostnames are not checked (Envoy checks SANs only where
///   `match_typed_subject_alt_names` says so);
/// - `match_typed_subject_alt_names` is checked on the peer's leaf certificate after the chain verified.
public enum TLSContextFactory {
    /// A plan that NIOSSL cannot take.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    // MARK: Server

    /// The NIOSSL configuration of a TLS-terminating filter chain.
    public static func serverConfiguration(_ plan: DownstreamTlsPlan) throws -> TLSConfiguration {
        guard let certificate = plan.certificates.first else {
            throw Failure(description: "a DownstreamTlsContext needs a certificate")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try certificateChain(certificate.certificateChain).map { .certificate($0) },
            privateKey: .privateKey(try privateKey(certificate.privateKey))
        )
        try apply(plan.common, to: &configuration)
        if let trustedCA = plan.common.trustedCA {
            configuration.trustRoots = .certificates(try certificateChain(trustedCA))
            // Envoy asks for a client certificate whenever it has a CA to check one against; only
            // require_client_certificate makes one mandatory.
            configuration.certificateVerification =
                plan.requireClientCertificate ? .noHostnameVerification : .optionalVerification
            configuration.sendCANameList = true
        } else if plan.requireClientCertificate {
            throw Failure(description: "require_client_certificate needs validation_context.trusted_ca")
        }
        return configuration
    }

    public static func makeServerContext(_ plan: DownstreamTlsPlan) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: serverConfiguration(plan))
    }

    /// A handler for one accepted connection; checks the client certificate's SANs when the plan asks to (a client
    /// that may send none and sends none is not checked).
    public static func makeServerHandler(context: NIOSSLContext, plan: DownstreamTlsPlan) -> NIOSSLServerHandler {
        let matchers = plan.common.matchSubjectAltNames
        guard plan.common.trustedCA != nil, !matchers.isEmpty else { return NIOSSLServerHandler(context: context) }
        // The underscored hook runs after BoringSSL verified the chain, which a full custom callback would replace.
        return NIOSSLServerHandler._makeSSLServerHandler(context: context) { certificate, channel in
            checkSubjectAltNames(of: certificate, against: matchers, on: channel)
        }
    }

    // MARK: Client

    /// The NIOSSL configuration of a cluster's upstream TLS.
    public static func clientConfiguration(_ plan: UpstreamTlsPlan) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        try apply(plan.common, to: &configuration)
        if let trustedCA = plan.common.trustedCA {
            configuration.trustRoots = .certificates(try certificateChain(trustedCA))
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration.certificateVerification = .none
        }
        if let certificate = plan.clientCertificate {
            configuration.certificateChain = try certificateChain(certificate.certificateChain).map { .certificate($0) }
            configuration.privateKey = .privateKey(try privateKey(certificate.privateKey))
        }
        return configuration
    }

    public static func makeClientContext(_ plan: UpstreamTlsPlan) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: clientConfiguration(plan))
    }

    /// A handler for one upstream connection, sending the plan's SNI.
    public static func makeClientHandler(context: NIOSSLContext, plan: UpstreamTlsPlan) throws -> NIOSSLClientHandler {
        let matchers = plan.common.matchSubjectAltNames
        guard plan.common.trustedCA != nil, !matchers.isEmpty else {
            return try NIOSSLClientHandler(context: context, serverHostname: plan.serverName)
        }
        return try NIOSSLClientHandler._makeSSLClientHandler(
            context: context,
            serverHostname: plan.serverName,
            additionalPeerCertificateVerificationCallback: { certificate, channel in
                checkSubjectAltNames(of: certificate, against: matchers, on: channel)
            }
        )
    }

    // MARK: Shared

    private static func apply(_ common: CommonTlsPlan, to configuration: inout TLSConfiguration) throws {
        configuration.minimumTLSVersion = tlsVersion(common.minimumVersion)
        configuration.maximumTLSVersion = tlsVersion(common.maximumVersion)
        if !common.cipherSuites.isEmpty {
            // Envoy's equal-preference groups (`[A|B]`) are BoringSSL cipher-list syntax already.
            configuration.cipherSuites = common.cipherSuites.joined(separator: ":")
        }
        if !common.ecdhCurves.isEmpty {
            configuration.curves = try common.ecdhCurves.map { name in
                guard let curve = curves[name] else { throw Failure(description: "unknown ECDH curve \(name)") }
                return curve
            }
        }
        configuration.applicationProtocols = common.alpnProtocols
    }

    private static let curves: [String: NIOTLSCurve] = [
        "P-256": .secp256r1, "prime256v1": .secp256r1, "P-384": .secp384r1, "P-521": .secp521r1,
        "X25519": .x25519, "X25519MLKEM768": .x25519_MLKEM768,
    ]

    private static func tlsVersion(_ version: TlsVersion) -> TLSVersion {
        switch version {
        case .tlsv10: .tlsv1
        case .tlsv11: .tlsv11
        case .tlsv12: .tlsv12
        case .tlsv13: .tlsv13
        }
    }

    private static func certificateChain(_ source: PEMSource) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(source.pem.utf8))
        } catch {
            throw Failure(description: "\(source.source): not a PEM certificate")
        }
        guard !certificates.isEmpty else { throw Failure(description: "\(source.source): no certificate in it") }
        return certificates
    }

    private static func privateKey(_ source: PEMSource) throws -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(bytes: Array(source.pem.utf8), format: .pem)
        } catch {
            throw Failure(description: "\(source.source): not a PEM private key")
        }
    }
}
