/// `envoy.config.core.v3.TransportSocket`: how a connection's bytes are carried. As with network filters, the `@type`
/// of `typed_config` picks the socket, whatever its `name` (which must only be non-empty).
public struct TransportSocketConfig<Context: Sendable>: Sendable {
    /// `type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`.
    public static var rawBufferTypeURL: String {
        "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"
    }

    /// `name`, e.g. `envoy.transport_sockets.tls`.
    public var name: String
    /// The TLS context of `typed_config`; nil for `RawBuffer` (bytes as they are).
    public var tls: Context?
    public var origin: ConfigOrigin

    public init(name: String, tls: Context?, origin: ConfigOrigin) {
        self.name = name
        self.tls = tls
        self.origin = origin
    }
}

/// `envoy.config.core.v3.DataSource`: PEM text from a file or written inline. Files are read when the config is planned.
public struct DataSourceConfig: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// `filename`: a path, relative ones to the working directory (as in Envoy).
        case filename(String)
        /// `inline_string`.
        case inlineString(String)
        /// `inline_bytes` (base64 in the config).
        case inlineBytes([UInt8])

        /// `filename`, `inline_string` or `inline_bytes`.
        public var fieldName: String {
            switch self {
            case .filename: "filename"
            case .inlineString: "inline_string"
            case .inlineBytes: "inline_bytes"
            }
        }
    }

    public var source: Source
    /// Where the data source is written, e.g. `…tls_certificates[0].private_key`.
    public var origin: ConfigOrigin
    /// Where its `filename` (or inline value) is written, e.g. `…tls_certificates[0].private_key.filename`.
    public var sourceOrigin: ConfigOrigin

    public init(source: Source, origin: ConfigOrigin, sourceOrigin: ConfigOrigin) {
        self.source = source
        self.origin = origin
        self.sourceOrigin = sourceOrigin
    }
}

/// `envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol`.
public enum TlsProtocolConfig: Int, Sendable, Hashable, Comparable {
    /// `TLS_AUTO` (0): Envoy's default for the side (minimum TLS 1.2; maximum TLS 1.3 for a server, 1.2 for a client).
    case auto = 0
    case tlsv10 = 1
    case tlsv11 = 2
    case tlsv12 = 3
    case tlsv13 = 4

    public static let protoNames: KeyValuePairs<String, Int> = [
        "TLS_AUTO": 0, "TLSv1_0": 1, "TLSv1_1": 2, "TLSv1_2": 3, "TLSv1_3": 4,
    ]

    public static func < (lhs: TlsProtocolConfig, rhs: TlsProtocolConfig) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// `common_tls_context.tls_params`.
public struct TlsParametersConfig: Sendable, Hashable {
    /// `tls_minimum_protocol_version`.
    public var minimumVersion: TlsProtocolConfig
    /// `tls_maximum_protocol_version`.
    public var maximumVersion: TlsProtocolConfig
    /// `cipher_suites`: BoringSSL cipher names (checked against ``TlsNames``).
    public var cipherSuites: [String]
    /// `ecdh_curves`: BoringSSL group names.
    public var ecdhCurves: [String]
    public var origin: ConfigOrigin

    public init(
        minimumVersion: TlsProtocolConfig = .auto,
        maximumVersion: TlsProtocolConfig = .auto,
        cipherSuites: [String] = [],
        ecdhCurves: [String] = [],
        origin: ConfigOrigin
    ) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.cipherSuites = cipherSuites
        self.ecdhCurves = ecdhCurves
        self.origin = origin
    }
}

/// `tls_certificates[]` (`envoy.extensions.transport_sockets.tls.v3.TlsCertificate`): a chain and its key.
public struct TlsCertificateConfig: Sendable, Hashable {
    /// `certificate_chain`.
    public var certificateChain: DataSourceConfig
    /// `private_key`.
    public var privateKey: DataSourceConfig
    public var origin: ConfigOrigin

    public init(certificateChain: DataSourceConfig, privateKey: DataSourceConfig, origin: ConfigOrigin) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.origin = origin
    }
}

/// `match_typed_subject_alt_names[]` (`envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher`).
public struct SubjectAltNameMatcherConfig: Sendable, Hashable {
    /// `san_type`.
    public enum SanType: Int, Sendable, Hashable {
        case email = 1
        case dns = 2
        case uri = 3
        case ipAddress = 4

        /// Every name Envoy's enum has; 0 and 5 (`OTHER_NAME`) are rejected when read.
        public static let protoNames: KeyValuePairs<String, Int> = [
            "SAN_TYPE_UNSPECIFIED": 0, "EMAIL": 1, "DNS": 2, "URI": 3, "IP_ADDRESS": 4, "OTHER_NAME": 5,
        ]

        public var protoName: String {
            switch self {
            case .email: "EMAIL"
            case .dns: "DNS"
            case .uri: "URI"
            case .ipAddress: "IP_ADDRESS"
            }
        }
    }

    /// `matcher` (`envoy.type.matcher.v3.StringMatcher`), case-sensitive.
    public enum Matcher: Sendable, Hashable {
        case exact(String)
        case prefix(String)
        case suffix(String)
        case contains(String)
    }

    public var sanType: SanType
    public var matcher: Matcher
    public var origin: ConfigOrigin

    public init(sanType: SanType, matcher: Matcher, origin: ConfigOrigin) {
        self.sanType = sanType
        self.matcher = matcher
        self.origin = origin
    }
}

/// `common_tls_context.validation_context` (`envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext`).
public struct CertificateValidationContextConfig: Sendable, Hashable {
    /// `trusted_ca`: the peer's certificate must chain to one of these.
    public var trustedCA: DataSourceConfig?
    /// `match_typed_subject_alt_names`: the peer's certificate must carry one of these SANs.
    public var matchTypedSubjectAltNames: [SubjectAltNameMatcherConfig]
    public var origin: ConfigOrigin

    public init(
        trustedCA: DataSourceConfig? = nil,
        matchTypedSubjectAltNames: [SubjectAltNameMatcherConfig] = [],
        origin: ConfigOrigin
    ) {
        self.trustedCA = trustedCA
        self.matchTypedSubjectAltNames = matchTypedSubjectAltNames
        self.origin = origin
    }
}

/// `common_tls_context` (`envoy.extensions.transport_sockets.tls.v3.CommonTlsContext`), shared by both directions.
public struct CommonTlsContextConfig: Sendable, Hashable {
    /// `tls_certificates`, without the empty entries Envoy skips.
    public var tlsCertificates: [TlsCertificateConfig]
    /// `tls_params`.
    public var tlsParams: TlsParametersConfig?
    /// `alpn_protocols`.
    public var alpnProtocols: [String]
    /// `validation_context`.
    public var validationContext: CertificateValidationContextConfig?
    public var origin: ConfigOrigin

    public init(
        tlsCertificates: [TlsCertificateConfig] = [],
        tlsParams: TlsParametersConfig? = nil,
        alpnProtocols: [String] = [],
        validationContext: CertificateValidationContextConfig? = nil,
        origin: ConfigOrigin
    ) {
        self.tlsCertificates = tlsCertificates
        self.tlsParams = tlsParams
        self.alpnProtocols = alpnProtocols
        self.validationContext = validationContext
        self.origin = origin
    }
}

/// `envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`: TLS terminated by a filter chain.
public struct DownstreamTlsContextConfig: Sendable, Hashable {
    public static let typeURL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"

    /// `common_tls_context`: at least one certificate.
    public var common: CommonTlsContextConfig
    /// `require_client_certificate`; nil when not written (Envoy's default: false).
    public var requireClientCertificate: Bool?
    public var origin: ConfigOrigin

    public init(common: CommonTlsContextConfig, requireClientCertificate: Bool? = nil, origin: ConfigOrigin) {
        self.common = common
        self.requireClientCertificate = requireClientCertificate
        self.origin = origin
    }
}

/// `envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`: TLS originated to a cluster's endpoints.
public struct UpstreamTlsContextConfig: Sendable, Hashable {
    public static let typeURL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"

    /// `sni`: the server name sent; empty sends none.
    public var sni: String
    /// `common_tls_context`: at most one (client) certificate.
    public var common: CommonTlsContextConfig
    public var origin: ConfigOrigin

    public init(sni: String = "", common: CommonTlsContextConfig, origin: ConfigOrigin) {
        self.sni = sni
        self.common = common
        self.origin = origin
    }
}
