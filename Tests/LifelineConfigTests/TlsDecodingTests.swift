import LifelineConfig
import LifelineTestSupport
import Testing

@Suite("Transport sockets: DownstreamTlsContext on a chain, UpstreamTlsContext on a cluster, RawBuffer")
struct TlsDecodingTests {
    private let chainPath = "static_resources.listeners[0].filter_chains[0]"
    private var contextPath: String { chainPath + ".transport_socket.typed_config" }

    private func tlsChain(_ fields: String = "", common: String = "") -> String {
        chainsConfig("filter_chains:\n" + chain(downstreamTls(fields, common: common)))
    }

    private func decodedContext(_ fields: String = "", common: String = "") throws -> DownstreamTlsContextConfig {
        let bootstrap = try decodeBootstrap(tlsChain(fields, common: common))
        return try #require(bootstrap.listeners.first?.filterChains.first?.transportSocket?.tls)
    }

    private func upstream(_ typedConfig: String) -> String {
        chainsConfig(
            "filter_chains:\n\(chain())",
            clusterFields: """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                \(indented(typedConfig, by: 4))
                """
        )
    }

    @Test func aDownstreamContextWithOneCertificate() throws {
        let context = try decodedContext()
        let certificate = try #require(context.common.tlsCertificates.first)
        #expect(certificate.certificateChain.source == .filename("/etc/certs/tls.crt"))
        #expect(certificate.privateKey.source == .filename("/etc/certs/tls.key"))
        #expect(
            certificate.privateKey.origin.path == contextPath + ".common_tls_context.tls_certificates[0].private_key"
        )
        #expect(
            certificate.privateKey.sourceOrigin.path
                == contextPath + ".common_tls_context.tls_certificates[0].private_key.filename"
        )
        #expect(context.requireClientCertificate == nil)
        #expect(context.common.tlsParams == nil)
    }

    @Test func theSocketIsPickedByItsTypeWhateverItsName() throws {
        let bootstrap = try decodeBootstrap(
            chainsConfig(
                "filter_chains:\n"
                    + chain(downstreamTls().replacingFirst("name: envoy.transport_sockets.tls", with: "name: whatever"))
            )
        )
        #expect(bootstrap.listeners.first?.filterChains.first?.transportSocket?.name == "whatever")
        #expect(bootstrap.listeners.first?.filterChains.first?.transportSocket?.tls != nil)
    }

    @Test func rawBufferIsNoTls() throws {
        let bootstrap = try decodeBootstrap(
            chainsConfig(
                "filter_chains:\n"
                    + chain(
                        #"transport_socket: { name: envoy.transport_sockets.raw_buffer, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer } }"#
                    )
            )
        )
        let socket = try #require(bootstrap.listeners.first?.filterChains.first?.transportSocket)
        #expect(socket.name == "envoy.transport_sockets.raw_buffer")
        #expect(socket.tls == nil)
    }

    @Test(arguments: [
        (
            "transport_socket: { name: envoy.transport_sockets.raw_buffer }", "transport_socket",
            "a transport socket needs a typed_config whose @type names it: "
                + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext or "
                + "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"
        ),
        (
            "transport_socket: { name: tls, typed_config: {} }", "transport_socket.typed_config",
            "typed_config needs an @type: Envoy picks the transport socket by its type, not by its name "
                + "(type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext or "
                + "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer)"
        ),
        (
            #"transport_socket: { typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer } }"#,
            "transport_socket", "a transport socket needs a name, e.g. envoy.transport_sockets.tls"
        ),
        (
            #"transport_socket: { name: t, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext } }"#,
            "transport_socket.typed_config.@type",
            "UpstreamTlsContext originates TLS to a cluster's endpoints; a filter chain terminates TLS with "
                + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
        ),
        (
            #"transport_socket: { name: t, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts } }"#,
            "transport_socket.typed_config.@type",
            "transport socket \"type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts\" is not "
                + "supported by Lifeline, which runs "
                + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext or "
                + "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"
        ),
        (
            #"transport_socket: { name: t, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer, x: 1 } }"#,
            "transport_socket.typed_config.x", "unknown field"
        ),
        (
            #"transport_socket: { name: t, config: {}, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer } }"#,
            "transport_socket.config", "unknown field"
        ),
    ])
    func transportSocketErrors(_ socket: String, _ path: String, _ message: String) {
        expectSingleError(
            chainsConfig("filter_chains:\n" + chain(socket)),
            path: "\(chainPath).\(path)",
            message: message
        )
    }

    @Test(arguments: [
        ("common_tls_context: {}", ".common_tls_context"),
        ("require_client_certificate: false", ""),
        ("common_tls_context: { tls_certificates: [] }", ".common_tls_context.tls_certificates"),
    ])
    func aServerNeedsACertificate(_ fields: String, _ place: String) {
        expectSingleError(
            chainsConfig(
                "filter_chains:\n"
                    + chain(
                        "transport_socket: { name: tls, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, \(fields) } }"
                    )
            ),
            path: contextPath + place,
            message: "a DownstreamTlsContext needs a certificate: common_tls_context.tls_certificates with a "
                + "certificate_chain and a private_key"
        )
    }

    @Test func anEmptyCertificateEntryIsSkippedAsInEnvoy() throws {
        let text = chainsConfig(
            "filter_chains:\n"
                + chain(
                    downstreamTls().replacingFirst(
                        "      tls_certificates:\n",
                        with: "      tls_certificates:\n      - {}\n"
                    )
                )
        )
        let (bootstrap, warnings) = try decodeWithWarnings(text)
        #expect(bootstrap.listeners.first?.filterChains.first?.transportSocket?.tls?.common.tlsCertificates.count == 1)
        #expect(
            warnings.map(\.description) == [
                "warning: \(contextPath).common_tls_context.tls_certificates[0]: an empty tls_certificates entry is "
                    + "skipped, as Envoy skips it (x.yaml:12:15)"
            ]
        )
        let onlyEmpty = decodeErrors(
            chainsConfig(
                "filter_chains:\n"
                    + chain(
                        #"transport_socket: { name: tls, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, common_tls_context: { tls_certificates: [{}] } } }"#
                    )
            )
        )
        #expect(
            onlyEmpty.map(\.description) == [
                "warning: \(contextPath).common_tls_context.tls_certificates[0]: an empty tls_certificates entry is "
                    + "skipped, as Envoy skips it (x.yaml:6:188)",
                "\(contextPath).common_tls_context.tls_certificates: a DownstreamTlsContext needs a certificate: "
                    + "common_tls_context.tls_certificates with a certificate_chain and a private_key (x.yaml:6:187)",
            ]
        )
    }

    @Test(arguments: [
        ("certificate_chain: { filename: c.pem }", "a certificate needs a private_key"),
        ("private_key: { filename: k.pem }", "a certificate needs a certificate_chain"),
    ])
    func aCertificateNeedsItsChainAndKey(_ entry: String, _ message: String) {
        expectSingleError(
            chainsConfig(
                "filter_chains:\n"
                    + chain(
                        "transport_socket: { name: tls, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, common_tls_context: { tls_certificates: [{ \(entry) }] } } }"
                    )
            ),
            path: contextPath + ".common_tls_context.tls_certificates[0]",
            message: message
        )
    }

    @Test(arguments: [
        ("{}", "", "a data source needs a filename, an inline_string or inline_bytes"),
        ("{ filename: \"\" }", ".filename", "must not be empty"),
        (
            "{ filename: a, inline_string: b }", ".inline_string",
            "filename is given too; a data source is one of filename, inline_string or inline_bytes"
        ),
        ("{ environment_variable: KEY }", ".environment_variable", "Envoy field not supported by Lifeline"),
        ("{ inline_bytes: \"!!\" }", ".inline_bytes", "invalid base64 \"!!\""),
        ("{ filename: 3 }", ".filename", "expected a string, found a number"),
    ])
    func dataSourceErrors(_ source: String, _ place: String, _ message: String) {
        expectSingleError(
            tlsChain().replacingFirst("private_key: { filename: /etc/certs/tls.key }", with: "private_key: \(source)"),
            path: contextPath + ".common_tls_context.tls_certificates[0].private_key" + place,
            message: message
        )
    }

    @Test func inlineSources() throws {
        let context = try decodedContext(
            "require_client_certificate: false",
            common: """
                  validation_context: { trusted_ca: { inline_bytes: "LS0tLS1CRUdJTg==" } }
                """
        ).common
        #expect(context.validationContext?.trustedCA?.source == .inlineBytes(Array("-----BEGIN".utf8)))
    }

    @Test(arguments: [
        (
            "tls_params: { tls_minimum_protocol_version: TLSv1_0, tls_maximum_protocol_version: TLS_AUTO }",
            TlsProtocolConfig.tlsv10, TlsProtocolConfig.auto
        ),
        ("tls_params: { tls_minimum_protocol_version: 4 }", .tlsv13, .auto),
        ("tls_params: { tls_maximum_protocol_version: tls_auto }", .auto, .auto),
    ])
    func protocolVersions(_ params: String, _ minimum: TlsProtocolConfig, _ maximum: TlsProtocolConfig) throws {
        let context = try decodedContext(common: "  " + params)
        #expect(context.common.tlsParams?.minimumVersion == minimum)
        #expect(context.common.tlsParams?.maximumVersion == maximum)
    }

    @Test(arguments: [
        (
            "tls_params: { tls_minimum_protocol_version: TLSv1_4 }", ".tls_params.tls_minimum_protocol_version",
            "unknown TLS protocol version \"TLSv1_4\"; expected one of TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3"
        ),
        (
            "tls_params: { cipher_suites: [ECDHE-RSA-AES128-GCM-SHA257] }", ".tls_params.cipher_suites[0]",
            "unknown cipher suite \"ECDHE-RSA-AES128-GCM-SHA257\"; BoringSSL's names are such as "
                + "ECDHE-RSA-AES128-GCM-SHA256 or ECDHE-ECDSA-CHACHA20-POLY1305"
        ),
        (
            "tls_params: { cipher_suites: [ecdhe-rsa-aes128-gcm-sha256] }", ".tls_params.cipher_suites[0]",
            "unknown cipher suite \"ecdhe-rsa-aes128-gcm-sha256\"; names are case-sensitive: write "
                + "ECDHE-RSA-AES128-GCM-SHA256"
        ),
        (
            "tls_params: { cipher_suites: [TLS_AES_128_GCM_SHA256] }", ".tls_params.cipher_suites[0]",
            "TLS_AES_128_GCM_SHA256 is a TLS 1.3 suite; BoringSSL does not let cipher_suites choose TLS 1.3 suites "
                + "(cipher_suites applies to TLS 1.0–1.2)"
        ),
        (
            "tls_params: { cipher_suites: [\"[ECDHE-RSA-AES128-GCM-SHA256|AES128-SHA\"] }",
            ".tls_params.cipher_suites[0]",
            "\"[ECDHE-RSA-AES128-GCM-SHA256|AES128-SHA\" opens an equal-preference group [A|B] that it does not close"
        ),
        (
            "tls_params: { cipher_suites: [\"!kRSA\"] }", ".tls_params.cipher_suites",
            "cipher_suites only removes or reorders ciphers (!, -, +) and so selects none"
        ),
        (
            "tls_params: { ecdh_curves: [P256] }", ".tls_params.ecdh_curves[0]",
            "unknown ECDH curve \"P256\"; expected one of X25519, x25519, P-256, prime256v1, P-384, secp384r1, P-521, "
                + "secp521r1, X25519MLKEM768, MLKEM1024"
        ),
        (
            "tls_params: { signature_algorithms: [rsa_pss_rsae_sha256] }", ".tls_params.signature_algorithms",
            "Envoy field not supported by Lifeline"
        ),
        (
            "tls_certificate_sds_secret_configs: []", ".tls_certificate_sds_secret_configs",
            "Envoy field not supported by Lifeline"
        ),
        ("read_ahead_buffer_size: 1", ".read_ahead_buffer_size", "unknown field"),
        (
            "validation_context: { match_typed_subject_alt_names: [{ san_type: DNS, matcher: { exact: a.com } }] }",
            ".validation_context.match_typed_subject_alt_names",
            "matching subject alt names needs a trusted_ca: SANs are easily spoofed, and Envoy does not allow "
                + "SAN-based verification without a trusted CA"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ matcher: { exact: a } }] }",
            ".validation_context.match_typed_subject_alt_names[0]", "needs a san_type: EMAIL, DNS, URI or IP_ADDRESS"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: SAN_TYPE_UNSPECIFIED, matcher: { exact: a } }] }",
            ".validation_context.match_typed_subject_alt_names[0].san_type",
            "needs a san_type: EMAIL, DNS, URI or IP_ADDRESS"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: OTHER_NAME, matcher: { exact: a } }] }",
            ".validation_context.match_typed_subject_alt_names[0].san_type",
            "san_type OTHER_NAME is not supported by Lifeline, which matches EMAIL, DNS, URI and IP_ADDRESS"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: DNS }] }",
            ".validation_context.match_typed_subject_alt_names[0]", "needs a matcher"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: DNS, matcher: { prefix: \"\" } }] }",
            ".validation_context.match_typed_subject_alt_names[0].matcher.prefix", "must not be empty"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: DNS, matcher: { safe_regex: { regex: a } } }] }",
            ".validation_context.match_typed_subject_alt_names[0].matcher.safe_regex",
            "Envoy field not supported by Lifeline"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: DNS, matcher: { exact: a, suffix: b } }] }",
            ".validation_context.match_typed_subject_alt_names[0].matcher.suffix",
            "exact is given too; a matcher is one of exact, prefix, suffix or contains"
        ),
        (
            "validation_context: { trusted_ca: { filename: ca.pem }, crl: { filename: crl.pem } }",
            ".validation_context.crl",
            "Envoy field not supported by Lifeline"
        ),
    ])
    func commonContextErrors(_ common: String, _ place: String, _ message: String) {
        expectSingleError(
            tlsChain("require_client_certificate: false", common: "  " + common),
            path: contextPath + ".common_tls_context" + place,
            message: message
        )
    }

    @Test(arguments: [
        "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]", "ECDHE+AESGCM", "HIGH",
        "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA",
    ])
    func cipherSuitesEnvoyAccepts(_ cipher: String) throws {
        let context = try decodedContext(common: "  tls_params: { cipher_suites: [\"\(cipher)\", \"!kRSA\"] }")
        #expect(context.common.tlsParams?.cipherSuites == [cipher, "!kRSA"])
    }

    @Test(arguments: [
        ("exact: \"\"", SubjectAltNameMatcherConfig.Matcher.exact("")),
        ("prefix: spiffe://", .prefix("spiffe://")), ("suffix: .example.com", .suffix(".example.com")),
        ("contains: example", .contains("example")),
    ])
    func subjectAltNameMatchers(_ matcher: String, _ expected: SubjectAltNameMatcherConfig.Matcher) throws {
        let context = try decodedContext(
            "require_client_certificate: true",
            common:
                "  validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: IP_ADDRESS, matcher: { \(matcher) } }] }"
        )
        #expect(context.common.validationContext?.matchTypedSubjectAltNames.map(\.matcher) == [expected])
        #expect(context.common.validationContext?.matchTypedSubjectAltNames.map(\.sanType) == [.ipAddress])
    }

    @Test(arguments: [
        ("require_sni: true", "require_sni"), ("sessionTimeout: 10s", "sessionTimeout"),
        ("ocsp_staple_policy: STRICT_STAPLING", "ocsp_staple_policy"),
    ])
    func downstreamFieldsLifelineDoesNotRun(_ field: String, _ key: String) {
        expectSingleError(
            tlsChain(field),
            path: contextPath + "." + key,
            message: "Envoy field not supported by Lifeline"
        )
    }

    @Test func validationWithoutRequireClientCertificateIsWarnedAboutAsEnvoyDoes() throws {
        let (_, warnings) = try decodeWithWarnings(
            tlsChain(common: "  validation_context: { trusted_ca: { filename: ca.pem } }")
        )
        #expect(warnings.map(\.path) == [contextPath])
        #expect(
            warnings.first?.message.hasPrefix("validation_context is set but require_client_certificate is not") == true
        )
        let (_, none) = try decodeWithWarnings(
            tlsChain(
                "require_client_certificate: false",
                common: "  validation_context: { trusted_ca: { filename: ca.pem } }"
            )
        )
        #expect(none.isEmpty)
    }

    @Test func requiringAClientCertificateWithoutACAIsWarnedAbout() throws {
        let (_, warnings) = try decodeWithWarnings(tlsChain("require_client_certificate: true"))
        #expect(
            warnings.map(\.message) == [
                "require_client_certificate without validation_context.trusted_ca: a client must present a "
                    + "certificate, but any certificate is accepted (as in Envoy)"
            ]
        )
    }

    // MARK: Clusters

    @Test func anUpstreamContext() throws {
        let bootstrap = try decodeBootstrap(
            upstream(
                """
                sni: backend.example.com
                common_tls_context:
                  tls_certificates: [{ certificate_chain: { filename: client.crt }, private_key: { filename: client.key } }]
                  validation_context: { trusted_ca: { filename: ca.pem }, match_typed_subject_alt_names: [{ san_type: DNS, matcher: { exact: backend.example.com } }] }
                  alpn_protocols: [h2]
                  tls_params: { tls_maximum_protocol_version: TLSv1_3 }
                """
            )
        )
        let tls = try #require(bootstrap.clusters.first?.transportSocket?.tls)
        #expect(tls.sni == "backend.example.com")
        #expect(tls.common.tlsCertificates.count == 1)
        #expect(tls.common.alpnProtocols == ["h2"])
        #expect(tls.common.tlsParams?.maximumVersion == .tlsv13)
        #expect(tls.origin.path == "static_resources.clusters[0].transport_socket.typed_config")
    }

    @Test func anUpstreamContextNeedsNothing() throws {
        let bootstrap = try decodeBootstrap(upstream(""))
        let tls = try #require(bootstrap.clusters.first?.transportSocket?.tls)
        #expect(tls.sni == "")
        #expect(tls.common.tlsCertificates.isEmpty)
    }

    @Test(arguments: [
        (
            "common_tls_context: { tls_certificates: [{ certificate_chain: { filename: a }, private_key: { filename: b } }, { certificate_chain: { filename: c }, private_key: { filename: d } }] }",
            ".common_tls_context.tls_certificates", "a client (UpstreamTlsContext) presents one certificate; found 2"
        ),
        ("sni: \(String(repeating: "a", count: 256))", ".sni", "an SNI is at most 255 bytes long; this one has 256"),
        ("auto_host_sni: true", ".auto_host_sni", "Envoy field not supported by Lifeline"),
        ("max_session_keys: 0", ".max_session_keys", "Envoy field not supported by Lifeline"),
    ])
    func upstreamErrors(_ fields: String, _ place: String, _ message: String) {
        expectSingleError(
            upstream(fields),
            path: "static_resources.clusters[0].transport_socket.typed_config" + place,
            message: message
        )
    }

    @Test func aClusterTakesNoDownstreamContext() {
        expectSingleError(
            chainsConfig(
                "filter_chains:\n\(chain())",
                clusterFields:
                    #"transport_socket: { name: tls, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext } }"#
            ),
            path: "static_resources.clusters[0].transport_socket.typed_config.@type",
            message: "DownstreamTlsContext terminates TLS on a filter chain; a cluster originates TLS with "
                + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
        )
    }
}
