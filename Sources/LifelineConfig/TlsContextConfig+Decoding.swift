extension TransportSocketConfig {
    /// Reads a `transport_socket` as Envoy does: `typed_config`'s `@type` picks `RawBuffer` or the TLS context this
    /// side takes (`expecting`); `wrongSide` is the other side's context, named with advice.
    static func decode(
        _ field: FieldValue,
        expecting typeURL: String,
        wrongSide: (typeURL: String, advice: String),
        context decodeContext: (FieldValue) -> Context?
    ) -> TransportSocketConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        let typedConfig = reader.field("typed_config")
        reader.finish()
        if nameField == nil {
            field.error("a transport socket needs a name, e.g. envoy.transport_sockets.tls")
        }
        let choices = "\(typeURL) or \(rawBufferTypeURL)"
        guard let typedConfig else {
            field.error("a transport socket needs a typed_config whose @type names it: \(choices)")
            return nil
        }
        guard var typed = typedConfig.object() else { return nil }
        guard let typeField = typed.field("@type") else {
            typedConfig.error(
                "typed_config needs an @type: Envoy picks the transport socket by its type, not by its name (\(choices))"
            )
            return nil
        }
        guard let type = typeField.string() else { return nil }
        switch type {
        case rawBufferTypeURL:
            typed.finish()
            return name.map { TransportSocketConfig(name: $0, tls: nil, origin: field.origin) }
        case typeURL:
            let context = decodeContext(typedConfig)
            guard let name, let context else { return nil }
            return TransportSocketConfig(name: name, tls: context, origin: field.origin)
        case wrongSide.typeURL:
            typeField.error(wrongSide.advice)
            return nil
        default:
            typeField.error(
                "transport socket \(JSONText.quote(type)) is not supported by Lifeline, which runs \(choices)"
            )
            return nil
        }
    }
}

extension TransportSocketConfig where Context == DownstreamTlsContextConfig {
    /// A filter chain's `transport_socket`.
    static func decodeDownstream(_ field: FieldValue) -> TransportSocketConfig? {
        decode(
            field,
            expecting: DownstreamTlsContextConfig.typeURL,
            wrongSide: (
                UpstreamTlsContextConfig.typeURL,
                "UpstreamTlsContext originates TLS to a cluster's endpoints; a filter chain terminates TLS with "
                    + DownstreamTlsContextConfig.typeURL
            ),
            context: DownstreamTlsContextConfig.decode
        )
    }
}

extension TransportSocketConfig where Context == UpstreamTlsContextConfig {
    /// A cluster's `transport_socket`.
    static func decodeUpstream(_ field: FieldValue) -> TransportSocketConfig? {
        decode(
            field,
            expecting: UpstreamTlsContextConfig.typeURL,
            wrongSide: (
                DownstreamTlsContextConfig.typeURL,
                "DownstreamTlsContext terminates TLS on a filter chain; a cluster originates TLS with "
                    + UpstreamTlsContextConfig.typeURL
            ),
            context: UpstreamTlsContextConfig.decode
        )
    }
}

extension DownstreamTlsContextConfig {
    static let envoyFields: Set<String> = [
        "require_sni", "session_ticket_keys", "session_ticket_keys_sds_secret_config",
        "disable_stateless_session_resumption", "disable_stateful_session_resumption", "session_timeout",
        "ocsp_staple_policy", "full_scan_certs_on_sni_mismatch", "prefer_client_ciphers",
    ]

    static func decode(_ field: FieldValue) -> DownstreamTlsContextConfig? {
        guard var reader = field.object() else { return nil }
        // The socket was picked by this @type (see TransportSocketConfig.decode).
        _ = reader.field("@type")
        let commonField = reader.field("common_tls_context")
        let decoded = commonField.flatMap(CommonTlsContextConfig.decode)
        let requireField = reader.field("require_client_certificate")
        let require = requireField?.bool()
        reader.finish(envoyFields: envoyFields)
        if (decoded?.written ?? 0) == 0 {
            // Envoy: "No TLS certificates found for server context".
            let place = decoded?.certificatesField ?? commonField ?? field
            place.error(
                "a DownstreamTlsContext needs a certificate: common_tls_context.tls_certificates with a "
                    + "certificate_chain and a private_key"
            )
        }
        guard let decoded else { return nil }
        let common = decoded.config
        if decoded.validationWritten {
            guard let validation = common.validationContext else { return nil }
            if requireField == nil {
                // Envoy logs the same at start-up ("deprecated insecure default").
                field.warning(
                    "validation_context is set but require_client_certificate is not: a client that presents no "
                        + "certificate is let in (Envoy's insecure default, which Envoy warns it will change); "
                        + "set require_client_certificate"
                )
            }
            if require == true && validation.trustedCA == nil {
                field.warning(
                    "require_client_certificate without validation_context.trusted_ca: a client must present a "
                        + "certificate, but any certificate is accepted (as in Envoy)"
                )
            }
        } else if require == true {
            field.warning(
                "require_client_certificate without validation_context.trusted_ca: a client must present a "
                    + "certificate, but any certificate is accepted (as in Envoy)"
            )
        }
        guard requireField == nil || require != nil else { return nil }
        return DownstreamTlsContextConfig(common: common, requireClientCertificate: require, origin: field.origin)
    }
}

extension UpstreamTlsContextConfig {
    static let envoyFields: Set<String> = [
        "auto_host_sni", "auto_sni_san_validation", "allow_renegotiation", "max_session_keys", "enforce_rsa_key_usage",
    ]

    static func decode(_ field: FieldValue) -> UpstreamTlsContextConfig? {
        guard var reader = field.object() else { return nil }
        _ = reader.field("@type")
        let sniField = reader.field("sni")
        var sni = sniField?.string()
        let commonField = reader.field("common_tls_context")
        let decoded = commonField.flatMap(CommonTlsContextConfig.decode)
        reader.finish(envoyFields: envoyFields)
        if let sniField, let text = sni {
            if text.utf8.count > 255 {
                sniField.error("an SNI is at most 255 bytes long; this one has \(text.utf8.count)")
                sni = nil
            } else if text.contains("\0") {
                sniField.error("an SNI must not contain a NUL byte")
                sni = nil
            }
        }
        if let decoded, decoded.config.tlsCertificates.count > 1, let certificates = decoded.certificatesField {
            // Envoy: "Multiple TLS certificates are not supported for client contexts".
            certificates.error(
                "a client (UpstreamTlsContext) presents one certificate; found \(decoded.config.tlsCertificates.count)"
            )
            return nil
        }
        if sniField != nil && sni == nil { return nil }
        if commonField != nil && decoded == nil { return nil }
        return UpstreamTlsContextConfig(
            sni: sni ?? "",
            common: decoded?.config ?? CommonTlsContextConfig(origin: field.origin),
            origin: field.origin
        )
    }
}

extension CommonTlsContextConfig {
    static let envoyFields: Set<String> = [
        "tls_certificate_sds_secret_configs", "tls_certificate_provider_instance", "custom_tls_certificate_selector",
        "tls_certificate_certificate_provider", "tls_certificate_certificate_provider_instance",
        "validation_context_sds_secret_config", "combined_validation_context",
        "validation_context_certificate_provider", "validation_context_certificate_provider_instance",
        "custom_handshaker", "key_log",
    ]

    /// The context, and how many `tls_certificates` entries are written (the empty ones Envoy skips not counted), so
    /// that a context whose certificates all have errors is not also said to have none. Nil when not an object.
    /// What reading a `common_tls_context` found.
    struct Decoded {
        var config: CommonTlsContextConfig
        /// `tls_certificates` entries written, without the empty ones Envoy skips.
        var written: Int
        /// The `tls_certificates` field, for errors about the list.
        var certificatesField: FieldValue?
        /// Whether `validation_context` is written (even if it had errors).
        var validationWritten: Bool
    }

    static func decode(_ field: FieldValue) -> Decoded? {
        guard var reader = field.object() else { return nil }
        let params = reader.field("tls_params").flatMap(TlsParametersConfig.decode)
        let certificatesField = reader.field("tls_certificates")
        let certificateFields = certificatesField?.array() ?? []
        let written = certificateFields.filter { !TlsCertificateConfig.isEmpty($0) }.count
        let certificates = certificateFields.compactMap(TlsCertificateConfig.decode)
        let alpn = reader.field("alpn_protocols")?.list { $0.string() } ?? []
        let validationField = reader.field("validation_context")
        let validation = validationField.flatMap(CertificateValidationContextConfig.decode)
        reader.finish(envoyFields: envoyFields)
        let config = CommonTlsContextConfig(
            tlsCertificates: certificates,
            tlsParams: params,
            alpnProtocols: alpn,
            validationContext: validation,
            origin: field.origin
        )
        return Decoded(
            config: config,
            written: written,
            certificatesField: certificatesField,
            validationWritten: validationField != nil
        )
    }
}

extension TlsCertificateConfig {
    static let envoyFields: Set<String> = [
        "pkcs12", "watched_directory", "private_key_provider", "password", "ocsp_staple",
        "signed_certificate_timestamp",
    ]

    /// Whether Envoy skips this entry: it has no certificate_chain, private_key, private_key_provider or pkcs12.
    static func isEmpty(_ field: FieldValue) -> Bool {
        guard let entries = field.tree.entries else { return true }
        let keys = Set(entries.map { FieldNames.snakeCase($0.key) })
        return keys.isDisjoint(with: ["certificate_chain", "private_key", "private_key_provider", "pkcs12"])
    }

    static func decode(_ field: FieldValue) -> TlsCertificateConfig? {
        if field.tree.entries?.isEmpty ?? field.tree.isNull {
            field.warning("an empty tls_certificates entry is skipped, as Envoy skips it")
            return nil
        }
        guard var reader = field.object() else { return nil }
        let chainField = reader.field("certificate_chain")
        let keyField = reader.field("private_key")
        let chain = chainField.flatMap(DataSourceConfig.decode)
        let key = keyField.flatMap(DataSourceConfig.decode)
        let unsupportedKey = reader.has("private_key_provider") || reader.has("pkcs12")
        reader.finish(envoyFields: envoyFields)
        // Envoy skips an entry that provides neither; its other fields were named by finish.
        guard chainField != nil || keyField != nil || unsupportedKey else { return nil }
        if chainField == nil && !reader.has("pkcs12") {
            field.error("a certificate needs a certificate_chain")
        }
        if keyField == nil && !unsupportedKey {
            field.error("a certificate needs a private_key")
        }
        guard let chain, let key else { return nil }
        return TlsCertificateConfig(certificateChain: chain, privateKey: key, origin: field.origin)
    }
}

extension DataSourceConfig {
    static func decode(_ field: FieldValue) -> DataSourceConfig? {
        guard var reader = field.object() else { return nil }
        let given = [
            ("filename", reader.field("filename")),
            ("inline_string", reader.field("inline_string")),
            ("inline_bytes", reader.field("inline_bytes")),
        ].compactMap { name, value in value.map { (name, $0) } }
        let fromEnvironment = reader.has("environment_variable")
        reader.finish(envoyFields: ["environment_variable", "watched_directory"])
        guard let first = given.first else {
            if !fromEnvironment {
                field.error("a data source needs a filename, an inline_string or inline_bytes")
            }
            return nil
        }
        let (name, value) = first
        if given.count > 1 {
            given[1].1.error("\(name) is given too; a data source is one of filename, inline_string or inline_bytes")
            return nil
        }
        let source: Source
        switch name {
        case "filename":
            guard let path = value.name() else { return nil }
            source = .filename(path)
        case "inline_string":
            guard let text = value.string() else { return nil }
            source = .inlineString(text)
        default:
            guard let bytes = value.base64() else { return nil }
            source = .inlineBytes(bytes)
        }
        return DataSourceConfig(source: source, origin: field.origin, sourceOrigin: value.origin)
    }
}

extension TlsParametersConfig {
    static func decode(_ field: FieldValue) -> TlsParametersConfig? {
        guard var reader = field.object() else { return nil }
        let minimumField = reader.field("tls_minimum_protocol_version")
        let minimum = minimumField?.enumeration("TLS protocol version", TlsProtocolConfig.protoNames)
        let maximumField = reader.field("tls_maximum_protocol_version")
        let maximum = maximumField?.enumeration("TLS protocol version", TlsProtocolConfig.protoNames)
        let ciphersField = reader.field("cipher_suites")
        let ciphers = ciphersField?.list { entry -> String? in
            guard let name = entry.string() else { return nil }
            if let problem = TlsNames.cipherSuiteProblem(name) {
                entry.error(problem)
                return nil
            }
            return name
        }
        let curvesField = reader.field("ecdh_curves")
        let curves = curvesField?.list { entry -> String? in
            guard let name = entry.string() else { return nil }
            if let problem = TlsNames.curveProblem(name) {
                entry.error(problem)
                return nil
            }
            return name
        }
        reader.finish(envoyFields: ["signature_algorithms", "compliance_policies"])
        if let ciphersField, let ciphers, !ciphers.isEmpty, ciphers.allSatisfy(TlsNames.onlyModifies) {
            ciphersField.error("cipher_suites only removes or reorders ciphers (!, -, +) and so selects none")
            return nil
        }
        if minimumField != nil && minimum == nil { return nil }
        if maximumField != nil && maximum == nil { return nil }
        if let ciphersField, ciphers?.count != ciphersField.tree.elements?.count { return nil }
        if let curvesField, curves?.count != curvesField.tree.elements?.count { return nil }
        return TlsParametersConfig(
            minimumVersion: minimum.flatMap(TlsProtocolConfig.init(rawValue:)) ?? .auto,
            maximumVersion: maximum.flatMap(TlsProtocolConfig.init(rawValue:)) ?? .auto,
            cipherSuites: ciphers ?? [],
            ecdhCurves: curves ?? [],
            origin: field.origin
        )
    }
}

extension CertificateValidationContextConfig {
    static let envoyFields: Set<String> = [
        "ca_certificate_provider_instance", "watched_directory", "verify_certificate_spki", "verify_certificate_hash",
        "match_subject_alt_names", "require_signed_certificate_timestamp", "crl", "allow_expired_certificate",
        "trust_chain_verification", "custom_validator_config", "only_verify_leaf_cert_crl", "max_verify_depth",
        "system_root_certs",
    ]

    static func decode(_ field: FieldValue) -> CertificateValidationContextConfig? {
        guard var reader = field.object() else { return nil }
        let caField = reader.field("trusted_ca")
        let trustedCA = caField.flatMap(DataSourceConfig.decode)
        let sansField = reader.field("match_typed_subject_alt_names")
        let sans = sansField?.list(SubjectAltNameMatcherConfig.decode) ?? []
        reader.finish(envoyFields: envoyFields)
        if let sansField, caField == nil, !(sansField.tree.elements?.isEmpty ?? true) {
            // Envoy: "SAN-based verification of peer certificates without trusted CA is insecure and not allowed".
            sansField.error(
                "matching subject alt names needs a trusted_ca: SANs are easily spoofed, and Envoy does not allow "
                    + "SAN-based verification without a trusted CA"
            )
            return nil
        }
        if caField != nil && trustedCA == nil { return nil }
        if let sansField, sans.count != sansField.tree.elements?.count { return nil }
        return CertificateValidationContextConfig(
            trustedCA: trustedCA,
            matchTypedSubjectAltNames: sans,
            origin: field.origin
        )
    }
}

extension SubjectAltNameMatcherConfig {
    static func decode(_ field: FieldValue) -> SubjectAltNameMatcherConfig? {
        guard var reader = field.object() else { return nil }
        let typeField = reader.field("san_type")
        let typeNumber = typeField?.enumeration("san_type", SanType.protoNames)
        let matcherField = reader.field("matcher")
        let matcher = matcherField.flatMap(decodeMatcher)
        reader.finish(envoyFields: ["oid"])
        var sanType: SanType?
        if typeField == nil || typeNumber == 0 {
            (typeField ?? field).error("needs a san_type: EMAIL, DNS, URI or IP_ADDRESS")
        } else if typeNumber == 5 {
            typeField?.error(
                "san_type OTHER_NAME is not supported by Lifeline, which matches EMAIL, DNS, URI and IP_ADDRESS"
            )
        } else if let typeNumber {
            sanType = SanType(rawValue: typeNumber)
        }
        if matcherField == nil { field.error("needs a matcher") }
        guard let sanType, let matcher else { return nil }
        return SubjectAltNameMatcherConfig(sanType: sanType, matcher: matcher, origin: field.origin)
    }

    /// `envoy.type.matcher.v3.StringMatcher`: exactly one of exact, prefix, suffix or contains.
    private static func decodeMatcher(_ field: FieldValue) -> Matcher? {
        guard var reader = field.object() else { return nil }
        let given = ["exact", "prefix", "suffix", "contains"].compactMap { name in
            reader.field(name).map { (name, $0) }
        }
        let unsupported = reader.has("safe_regex") || reader.has("custom")
        reader.finish(envoyFields: ["safe_regex", "custom", "ignore_case"])
        guard let first = given.first else {
            if !unsupported { field.error("a matcher needs one of exact, prefix, suffix or contains") }
            return nil
        }
        let (name, value) = first
        if given.count > 1 {
            given[1].1.error("\(name) is given too; a matcher is one of exact, prefix, suffix or contains")
            return nil
        }
        // Envoy: exact may be empty; prefix, suffix and contains need at least one character.
        guard let text = name == "exact" ? value.string() : value.name() else { return nil }
        switch name {
        case "exact": return .exact(text)
        case "prefix": return .prefix(text)
        case "suffix": return .suffix(text)
        default: return .contains(text)
        }
    }
}

extension ConfigTree {
    /// Whether this is `null`.
    var isNull: Bool {
        if case .null = value { return true }
        return false
    }
}
