import Foundation
import LifelineConfig

extension GatewayPlanner {
    /// A listener's `listener_filters` and their timeout.
    static func planListenerFilters(_ listener: ListenerConfig) -> ListenerFiltersPlan {
        let timeout = listener.listenerFiltersTimeout ?? ListenerFilterConfig.defaultTimeout
        var proxyProtocol: ProxyProtocolConfig?
        var proxyProtocolFirst = true
        for (index, filter) in listener.listenerFilters.enumerated() {
            guard case .proxyProtocol(let config) = filter.kind, proxyProtocol == nil else { continue }
            proxyProtocol = config
            proxyProtocolFirst = !listener.listenerFilters[..<index].contains { $0.kind == .tlsInspector }
        }
        return ListenerFiltersPlan(
            tlsInspector: listener.hasTlsInspector,
            timeout: timeout == .zero ? nil : timeout,
            continueOnTimeout: listener.continueOnListenerFiltersTimeout,
            proxyProtocol: proxyProtocol,
            proxyProtocolFirst: proxyProtocolFirst
        )
    }

    /// One filter chain: its match, its TLS (certificate, key and CA files read here) and its network filter. Nil when it
    /// could not be planned (the reason is in `diagnostics`).
    static func planFilterChain(
        _ chain: FilterChainConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> FilterChainPlan? {
        var tls: DownstreamTlsPlan?
        if let context = chain.transportSocket?.tls {
            guard let planned = planDownstreamTls(context, diagnostics: &diagnostics) else { return nil }
            tls = planned
        }
        let filter: NetworkFilterPlan
        if let proxy = chain.tcpProxy {
            filter = .tcpProxy(
                TcpProxyPlan(statPrefix: proxy.statPrefix, cluster: proxy.cluster, idleTimeout: proxy.idleTimeout)
            )
        } else if let config = chain.httpConnectionManager {
            guard let manager = planHttpConnectionManager(config, diagnostics: &diagnostics) else { return nil }
            filter = .httpConnectionManager(manager)
        } else {
            return nil
        }
        return FilterChainPlan(
            name: chain.name.flatMap { $0.isEmpty ? nil : $0 } ?? chain.origin.path,
            match: planMatch(chain.match),
            tls: tls,
            connectionLimits: chain.connectionLimits.map(ConnectionLimitFilterPlan.init),
            filter: filter,
            origin: chain.origin
        )
    }

    /// `filter_chain_match` as the selector reads it: server names lower-cased (as Envoy compares them), an empty
    /// `transport_protocol` as none.
    static func planMatch(_ match: FilterChainMatchConfig) -> FilterChainMatchPlan {
        FilterChainMatchPlan(
            destinationPort: match.destinationPort,
            prefixRanges: match.prefixRanges.map(planRange),
            serverNames: match.serverNames.map(ProtoJSONDialect.asciiLowercased),
            transportProtocol: match.transportProtocol.isEmpty ? nil : match.transportProtocol,
            applicationProtocols: match.applicationProtocols,
            sourceType: FilterChainMatchPlan.SourceType(rawValue: match.sourceType.rawValue) ?? .any,
            sourcePrefixRanges: match.sourcePrefixRanges.map(planRange),
            sourcePorts: match.sourcePorts,
            directSourcePrefixRanges: match.directSourcePrefixRanges.map(planRange)
        )
    }

    private static func planRange(_ range: CidrRangeConfig) -> CIDRRange {
        CIDRRange(address: range.network, prefixLength: range.effectivePrefixLength)
    }

    // MARK: - TLS

    /// A filter chain's DownstreamTlsContext: Envoy's server defaults are TLS 1.2 to TLS 1.3.
    static func planDownstreamTls(
        _ context: DownstreamTlsContextConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> DownstreamTlsPlan? {
        let before = diagnostics.count
        let certificates = context.common.tlsCertificates.compactMap { planCertificate($0, diagnostics: &diagnostics) }
        let common = planCommon(context.common, defaultMaximum: .tlsv13, diagnostics: &diagnostics)
        guard let common, !hasErrors(diagnostics, since: before) else { return nil }
        for (certificate, config) in zip(certificates, context.common.tlsCertificates) {
            checkTlsMaterial(certificate: certificate, at: config.origin, diagnostics: &diagnostics)
        }
        if let ca = common.trustedCA, let source = context.common.validationContext?.trustedCA {
            checkTlsMaterial(trustedCA: ca, at: source.origin, diagnostics: &diagnostics)
        }
        guard !hasErrors(diagnostics, since: before) else { return nil }
        return DownstreamTlsPlan(
            certificates: certificates,
            common: common,
            requireClientCertificate: context.requireClientCertificate ?? false
        )
    }

    /// A cluster's UpstreamTlsContext: Envoy's client defaults are TLS 1.2 to TLS 1.2.
    static func planUpstreamTls(
        _ context: UpstreamTlsContextConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> UpstreamTlsPlan? {
        let before = diagnostics.count
        let certificate = context.common.tlsCertificates.first.flatMap {
            planCertificate($0, diagnostics: &diagnostics)
        }
        let common = planCommon(context.common, defaultMaximum: .tlsv12, diagnostics: &diagnostics)
        guard let common, !hasErrors(diagnostics, since: before) else { return nil }
        if let certificate, let config = context.common.tlsCertificates.first {
            checkTlsMaterial(certificate: certificate, at: config.origin, diagnostics: &diagnostics)
        }
        if let ca = common.trustedCA, let source = context.common.validationContext?.trustedCA {
            checkTlsMaterial(trustedCA: ca, at: source.origin, diagnostics: &diagnostics)
        }
        guard !hasErrors(diagnostics, since: before) else { return nil }
        return UpstreamTlsPlan(
            serverName: context.sni.isEmpty ? nil : context.sni,
            clientCertificate: certificate,
            common: common
        )
    }

    // MARK: Certificate validation

    /// Checks a certificate and its key once read: that both parse, that the private key matches the certificate,
    /// and that the certificate is within its validity period now; each problem is an error at `origin`, the
    /// `tls_certificates` entry's path. Key material never appears in a message.
    static func checkTlsMaterial(
        certificate: CertificatePlan,
        at origin: ConfigOrigin,
        diagnostics: inout [ConfigDiagnostic]
    ) {
        for problem in TlsMaterialValidator.problems(in: certificate, now: Date()) {
            diagnostics.append(origin.diagnostic(problem))
        }
    }

    /// Checks a `validation_context.trusted_ca` bundle once read: that it parses and its certificates are valid now.
    static func checkTlsMaterial(
        trustedCA: PEMSource,
        at origin: ConfigOrigin,
        diagnostics: inout [ConfigDiagnostic]
    ) {
        for problem in TlsMaterialValidator.problems(inCA: trustedCA, now: Date()) {
            diagnostics.append(origin.diagnostic(problem))
        }
    }

    private static func planCertificate(
        _ certificate: TlsCertificateConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> CertificatePlan? {
        let chain = PEMReader.read(certificate.certificateChain, diagnostics: &diagnostics)
        let key = PEMReader.read(certificate.privateKey, diagnostics: &diagnostics)
        guard let chain, let key else { return nil }
        return CertificatePlan(certificateChain: chain, privateKey: key)
    }

    private static func planCommon(
        _ common: CommonTlsContextConfig,
        defaultMaximum: TlsVersion,
        diagnostics: inout [ConfigDiagnostic]
    ) -> CommonTlsPlan? {
        let params = common.tlsParams
        let minimum = tlsVersion(params?.minimumVersion ?? .auto) ?? .tlsv12
        let maximum = tlsVersion(params?.maximumVersion ?? .auto) ?? defaultMaximum
        if let params, minimum > maximum {
            diagnostics.append(
                params.origin.diagnostic(
                    "tls_minimum_protocol_version \(minimum.protoName) is above the maximum \(maximum.protoName)"
                        + (params.maximumVersion == .auto ? " (TLS_AUTO's here)" : "")
                        + ": no handshake can succeed",
                    severity: .warning
                )
            )
        }
        var trustedCA: PEMSource?
        if let source = common.validationContext?.trustedCA {
            guard let pem = PEMReader.read(source, diagnostics: &diagnostics) else { return nil }
            trustedCA = pem
        }
        return CommonTlsPlan(
            minimumVersion: minimum,
            maximumVersion: maximum,
            cipherSuites: params?.cipherSuites ?? [],
            ecdhCurves: params?.ecdhCurves ?? [],
            alpnProtocols: common.alpnProtocols,
            trustedCA: trustedCA,
            matchSubjectAltNames: (common.validationContext?.matchTypedSubjectAltNames ?? []).map(planSubjectAltName)
        )
    }

    /// A written version; nil for TLS_AUTO, which is the side's default.
    private static func tlsVersion(_ version: TlsProtocolConfig) -> TlsVersion? {
        TlsVersion(rawValue: version.rawValue)
    }

    private static func planSubjectAltName(_ matcher: SubjectAltNameMatcherConfig) -> SubjectAltNameMatch {
        let kind: SubjectAltNameMatch.Kind =
            switch matcher.sanType {
            case .dns: .dns
            case .uri: .uri
            case .ipAddress: .ipAddress
            case .email: .email
            }
        let match: SubjectAltNameMatch.Matcher =
            switch matcher.matcher {
            case .exact(let text): .exact(text)
            case .prefix(let text): .prefix(text)
            case .suffix(let text): .suffix(text)
            case .contains(let text): .contains(text)
            }
        return SubjectAltNameMatch(kind: kind, matcher: match)
    }

    private static func hasErrors(_ diagnostics: [ConfigDiagnostic], since start: Int) -> Bool {
        diagnostics[start...].contains { $0.severity == .error }
    }
}
