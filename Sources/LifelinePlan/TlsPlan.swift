/// A TLS protocol version, as `envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol` names it.
public enum TlsVersion: Int, Sendable, Hashable, Comparable {
    case tlsv10 = 1
    case tlsv11 = 2
    case tlsv12 = 3
    case tlsv13 = 4

    /// `TLSv1_2`, as the config spells it.
    public var protoName: String {
        switch self {
        case .tlsv10: "TLSv1_0"
        case .tlsv11: "TLSv1_1"
        case .tlsv12: "TLSv1_2"
        case .tlsv13: "TLSv1_3"
        }
    }

    public static func < (lhs: TlsVersion, rhs: TlsVersion) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// PEM text read from a `filename` or given `inline_string`, with where it came from (for errors and `check`).
public struct PEMSource: Sendable, Hashable {
    /// The PEM text itself.
    public var pem: String
    /// `/etc/certs/tls.crt`, or `inline_string at static_resources.listeners[0]…certificate_chain`.
    public var source: String

    public init(pem: String, source: String) {
        self.pem = pem
        self.source = source
    }
}

/// One `tls_certificates[]` entry: a certificate chain and its private key. The key never appears in `check`
/// output or logs; only its source does.
public struct CertificatePlan: Sendable, Hashable {
    public var certificateChain: PEMSource
    public var privateKey: PEMSource

    public init(certificateChain: PEMSource, privateKey: PEMSource) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }
}

/// `common_tls_context.tls_params`, `alpn_protocols` and `validation_context`, shared by both directions.
public struct CommonTlsPlan: Sendable, Hashable {
    /// `tls_params.tls_minimum_protocol_version`; Envoy's default for a server and a client: TLS 1.2.
    public var minimumVersion: TlsVersion
    /// `tls_params.tls_maximum_protocol_version`; Envoy's default: TLS 1.3 for a server (a filter chain), TLS 1.2 for
    /// a client (a cluster).
    public var maximumVersion: TlsVersion
    /// `tls_params.cipher_suites` (OpenSSL names); empty: BoringSSL's defaults, as Envoy.
    public var cipherSuites: [String]
    /// `tls_params.ecdh_curves`; empty: the defaults.
    public var ecdhCurves: [String]
    /// `alpn_protocols`, in preference order.
    public var alpnProtocols: [String]
    /// `validation_context.trusted_ca`: the peer's certificate must chain to one of these.
    public var trustedCA: PEMSource?
    /// `validation_context.match_typed_subject_alt_names`: the peer's certificate must carry one of these SANs
    /// (`DNS:` exact or `*.` wildcard, `URI:`, `IP:`); empty places no condition.
    public var matchSubjectAltNames: [SubjectAltNameMatch]

    public init(
        minimumVersion: TlsVersion = .tlsv12,
        maximumVersion: TlsVersion = .tlsv13,
        cipherSuites: [String] = [],
        ecdhCurves: [String] = [],
        alpnProtocols: [String] = [],
        trustedCA: PEMSource? = nil,
        matchSubjectAltNames: [SubjectAltNameMatch] = []
    ) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.cipherSuites = cipherSuites
        self.ecdhCurves = ecdhCurves
        self.alpnProtocols = alpnProtocols
        self.trustedCA = trustedCA
        self.matchSubjectAltNames = matchSubjectAltNames
    }
}

/// One `match_typed_subject_alt_names` entry: a SAN type and a string matcher.
public struct SubjectAltNameMatch: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case dns = "DNS"
        case uri = "URI"
        case ipAddress = "IP_ADDRESS"
        case email = "EMAIL"
    }

    public enum Matcher: Sendable, Hashable {
        case exact(String)
        case prefix(String)
        case suffix(String)
        case contains(String)
    }

    public var kind: Kind
    public var matcher: Matcher

    public init(kind: Kind, matcher: Matcher) {
        self.kind = kind
        self.matcher = matcher
    }
}

/// `envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`: TLS terminated by a filter chain.
public struct DownstreamTlsPlan: Sendable, Hashable {
    /// `common_tls_context.tls_certificates`: at least one (RSA or ECDSA).
    public var certificates: [CertificatePlan]
    public var common: CommonTlsPlan
    /// `require_client_certificate`: mTLS; the client's certificate is checked against `common.trustedCA`.
    public var requireClientCertificate: Bool

    public init(
        certificates: [CertificatePlan],
        common: CommonTlsPlan = CommonTlsPlan(),
        requireClientCertificate: Bool = false
    ) {
        self.certificates = certificates
        self.common = common
        self.requireClientCertificate = requireClientCertificate
    }
}

/// `envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`: TLS originated to a cluster's endpoints.
public struct UpstreamTlsPlan: Sendable, Hashable {
    /// `sni`: the server name sent to the upstream; nil sends none.
    public var serverName: String?
    /// `common_tls_context.tls_certificates`: the client certificate, if the upstream asks for one.
    public var clientCertificate: CertificatePlan?
    public var common: CommonTlsPlan

    public init(
        serverName: String? = nil,
        clientCertificate: CertificatePlan? = nil,
        common: CommonTlsPlan = CommonTlsPlan()
    ) {
        self.serverName = serverName
        self.clientCertificate = clientCertificate
        self.common = common
    }
}
