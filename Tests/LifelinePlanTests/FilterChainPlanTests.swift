import Foundation
import LifelineConfig
import LifelinePlan
import LifelineTestSupport
import Testing

private let tcpProxyFilters =
    #"filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: STAT, cluster: backend } }]"#

private let inspector =
    #"listener_filters: [{ name: envoy.filters.listener.tls_inspector, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector } }]"#

/// `filters` ending in a tcp_proxy with stat prefix `stat`.
private func filters(_ stat: String) -> String {
    tcpProxyFilters.replacingOccurrences(of: "STAT", with: stat)
}

/// A bootstrap with one listener (`listenerBody` at listener level) and cluster `backend` (with `clusterFields`).
private func config(_ listenerBody: String, clusterFields: String = "") -> String {
    """
    static_resources:
      listeners:
      - name: main
        address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
    \(indented(listenerBody, by: 4))
      clusters:
      - name: backend
        load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }] }
    \(indented(clusterFields, by: 4))
    """
}

/// Real certificates, made once with openssl for the whole suite: the planner parses and checks them.
private let sharedCertificates = Result { try TestCertificates.make() }

/// A directory of PEM files for one test, removed at the end.
private final class PEMFiles {
    let directory: String
    let certificate: String
    let key: String
    let ca: String

    init() throws {
        let made = try sharedCertificates.get()
        certificate = made.serverECDSA.certificatePEM
        key = made.serverECDSA.keyPEM
        ca = made.authority.certificatePEM
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-pem-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try certificate.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try ca.write(toFile: caPath, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var certificatePath: String { directory + "/tls.crt" }
    var keyPath: String { directory + "/tls.key" }
    var caPath: String { directory + "/ca.pem" }

    /// A DownstreamTlsContext transport socket with this directory's files, `common` added to its
    /// common_tls_context and `fields` to its typed_config (both flow-style, comma-led).
    func downstream(common: String = "", fields: String = "") -> String {
        "transport_socket: { name: envoy.transport_sockets.tls, typed_config: { \"@type\": "
            + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
            + "common_tls_context: { tls_certificates: [{ certificate_chain: { filename: \"\(certificatePath)\" }, "
            + "private_key: { filename: \"\(keyPath)\" } }]\(common) }\(fields) } }"
    }

    /// A cluster's UpstreamTlsContext with `typedConfig` (flow-style fields, comma-led).
    func upstream(_ typedConfig: String) -> String {
        "transport_socket: { name: envoy.transport_sockets.tls, typed_config: { \"@type\": "
            + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext\(typedConfig) } }"
    }
}

@Suite("Planned filter chains, listener filters and TLS")
struct FilterChainPlanTests {
    @Test func chainsAreNamedMatchedAndTheFirstChainsProxyIsTheListeners() throws {
        let plan = try planConfig(
            config(
                """
                \(inspector)
                filter_chains:
                - name: api
                  filter_chain_match: { server_names: [API.Example.COM, "*.Example.com"], prefix_ranges: [{ address_prefix: 10.1.2.3, prefix_len: 8 }], transport_protocol: "", source_type: EXTERNAL, source_ports: [1] }
                  \(filters("api"))
                - \(filters("second"))
                default_filter_chain: { \(filters("fallback")) }
                """
            )
        )
        let listener = try #require(plan.listeners.first)
        #expect(listener.filterChains.map(\.name) == ["api", "static_resources.listeners[0].filter_chains[1]"])
        #expect(listener.defaultFilterChain?.name == "static_resources.listeners[0].default_filter_chain")
        #expect(listener.defaultFilterChain?.tcpProxy?.statPrefix == "fallback")
        #expect(listener.filterChains.first?.tcpProxy?.statPrefix == "api")
        let match = try #require(listener.filterChains.first).match
        #expect(match.serverNames == ["api.example.com", "*.example.com"])
        #expect(match.prefixRanges.map(\.description) == ["10.0.0.0/8"])
        #expect(match.transportProtocol == nil)
        #expect(match.sourceType == .external)
        #expect(match.sourcePorts == [1])
        #expect(listener.filterChains[1].match == FilterChainMatchPlan())
        #expect(listener.filterChains.allSatisfy { $0.tls == nil })
        #expect(
            listener.listenerFilters
                == ListenerFiltersPlan(tlsInspector: true, timeout: .seconds(15), continueOnTimeout: false)
        )
    }

    @Test func prefixesArePrintedAsInetNtopWritesThem() throws {
        let plan = try planConfig(
            config(
                "filter_chains:\n- filter_chain_match: { prefix_ranges: [{ address_prefix: \"2001:db8:0:0:1::1\", prefix_len: 32 }], source_prefix_ranges: [{ address_prefix: 192.168.7.9, prefix_len: 16 }] }\n  \(filters("a"))"
            )
        )
        let match = try #require(plan.listeners.first?.filterChains.first?.match)
        #expect(match.prefixRanges.map(\.description) == ["2001:db8::/32"])
        #expect(match.sourcePrefixRanges.map(\.description) == ["192.168.0.0/16"])
    }

    @Test func aListenerWithOnlyADefaultChainRunsItsProxy() throws {
        let plan = try planConfig(config("default_filter_chain: { \(filters("fallback")) }"))
        let listener = try #require(plan.listeners.first)
        #expect(listener.filterChains.isEmpty)
        #expect(listener.defaultFilterChain?.tcpProxy?.statPrefix == "fallback")
    }

    @Test(arguments: [
        ("", ListenerFiltersPlan(tlsInspector: false, timeout: .seconds(15), continueOnTimeout: false)),
        (
            "\(inspector)\nlistener_filters_timeout: 0s\ncontinue_on_listener_filters_timeout: true",
            ListenerFiltersPlan(tlsInspector: true, timeout: nil, continueOnTimeout: true)
        ),
        (
            "\(inspector)\nlistener_filters_timeout: 2.5s",
            ListenerFiltersPlan(tlsInspector: true, timeout: .milliseconds(2500))
        ),
    ])
    func listenerFilters(_ fields: String, _ expected: ListenerFiltersPlan) throws {
        let plan = try planConfig(config("\(fields)\nfilter_chains: [{ \(filters("a")) }]"))
        #expect(plan.listeners.first?.listenerFilters == expected)
    }

    // MARK: TLS

    @Test func certificatesKeysAndCAsAreReadWhenPlanned() throws {
        let files = try PEMFiles()
        let plan = try planConfig(
            config(
                "filter_chains:\n- \(files.downstream(common: ", alpn_protocols: [h2], validation_context: { trusted_ca: { filename: \"\(files.caPath)\" }, match_typed_subject_alt_names: [{ san_type: DNS, matcher: { exact: client.example.com } }] }", fields: ", require_client_certificate: true"))\n  \(filters("tls"))"
            )
        )
        let tls = try #require(plan.listeners.first?.filterChains.first?.tls)
        #expect(
            tls.certificates == [
                CertificatePlan(
                    certificateChain: PEMSource(pem: files.certificate, source: files.certificatePath),
                    privateKey: PEMSource(pem: files.key, source: files.keyPath)
                )
            ]
        )
        #expect(tls.common.trustedCA == PEMSource(pem: files.ca, source: files.caPath))
        #expect(tls.common.alpnProtocols == ["h2"])
        #expect(
            tls.common.matchSubjectAltNames == [SubjectAltNameMatch(kind: .dns, matcher: .exact("client.example.com"))]
        )
        #expect(tls.requireClientCertificate)
        #expect(tls.common.minimumVersion == .tlsv12)
        #expect(tls.common.maximumVersion == .tlsv13)
    }

    @Test func inlineMaterialIsNamedByItsPath() throws {
        let files = try PEMFiles()
        /// A PEM as a double-quoted YAML scalar.
        func quoted(_ pem: String) -> String {
            "\"" + pem.replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        let keyBase64 = Data(files.key.utf8).base64EncodedString()
        let plan = try planConfig(
            config(
                "filter_chains:\n- transport_socket: { name: tls, typed_config: { \"@type\": "
                    + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
                    + "common_tls_context: { tls_certificates: [{ certificate_chain: { inline_string: "
                    + "\(quoted(files.certificate)) }, private_key: { inline_bytes: \"\(keyBase64)\" } }] } } }"
                    + "\n  \(filters("tls"))"
            )
        )
        let certificate = try #require(plan.listeners.first?.filterChains.first?.tls?.certificates.first)
        let base =
            "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificates[0]"
        #expect(certificate.certificateChain.source == "inline_string at \(base).certificate_chain")
        #expect(certificate.certificateChain.pem == files.certificate)
        #expect(certificate.privateKey.source == "inline_bytes at \(base).private_key")
        #expect(certificate.privateKey.pem == files.key)
    }

    /// `check` refuses what the gateway could not serve: a key that is not the certificate's, an expired one.
    @Test func aKeyForAnotherCertificateAndAnExpiredCertificateAreErrors() throws {
        let made = try sharedCertificates.get()
        let files = try PEMFiles()
        let mismatched = files.downstream().replacingOccurrences(of: files.keyPath, with: made.serverRSA.keyPath)
        let expired = files.downstream()
            .replacingOccurrences(of: files.certificatePath, with: made.expired.certificatePath)
            .replacingOccurrences(of: files.keyPath, with: made.expired.keyPath)
        for (socket, fragment) in [(mismatched, "does not match"), (expired, "expired")] {
            let diagnostics = planErrors(config("filter_chains:\n- \(socket)\n  \(filters("tls"))"))
            #expect(diagnostics.contains { $0.message.contains(fragment) }, "\(diagnostics)")
            #expect(
                diagnostics.allSatisfy {
                    $0.path.hasPrefix("static_resources.listeners[0].filter_chains[0].transport_socket")
                }
            )
            #expect(!diagnostics.map(\.description).joined().contains(made.serverRSA.keyPEM))
        }
    }

    @Test func aMissingFileIsAnErrorOnItsFilenameField() throws {
        let files = try PEMFiles()
        let text = config(
            "filter_chains:\n- \(files.downstream().replacingOccurrences(of: files.keyPath, with: "/x/key.pem"))\n  \(filters("tls"))"
        )
        let diagnostics = planErrors(text)
        #expect(
            diagnostics.map(\.description).map {
                $0.replacingOccurrences(of: #" \(x.yaml:\d+:\d+\)"#, with: "", options: .regularExpression)
            } == [
                "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context."
                    + "tls_certificates[0].private_key.filename: cannot read \"/x/key.pem\": No such file or directory"
            ]
        )
    }

    @Test func everyUnreadableFileIsReportedAtOnce() throws {
        let files = try PEMFiles()
        let empty = files.directory + "/empty.pem"
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let binary = files.directory + "/cert.der"
        try Data([0x30, 0x82, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: binary))
        let downstream = files.downstream(
            common: ", validation_context: { trusted_ca: { filename: \"\(files.directory)\" } }",
            fields: ", require_client_certificate: true"
        )
        .replacingOccurrences(of: files.keyPath, with: empty)
        .replacingOccurrences(of: files.certificatePath, with: binary)
        let diagnostics = planErrors(
            config(
                "filter_chains:\n- \(downstream)\n  \(filters("tls"))",
                clusterFields: files.upstream(
                    ", common_tls_context: { validation_context: { trusted_ca: { filename: /nonexistent/ca.pem } } }"
                )
            )
        )
        let chain = "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context"
        #expect(
            diagnostics.map { "\($0.path): \($0.message)" } == [
                "\(chain).tls_certificates[0].certificate_chain.filename: \"\(binary)\" is not PEM text (it is not UTF-8; DER is not read)",
                "\(chain).tls_certificates[0].private_key.filename: \"\(empty)\" is empty; expected PEM text",
                "\(chain).validation_context.trusted_ca.filename: cannot read \"\(files.directory)\": Is a directory",
                "static_resources.clusters[0].transport_socket.typed_config.common_tls_context.validation_context."
                    + "trusted_ca.filename: cannot read \"/nonexistent/ca.pem\": No such file or directory",
            ]
        )
    }

    @Test(arguments: [
        ("", TlsVersion.tlsv12, TlsVersion.tlsv13),
        (
            ", tls_params: { tls_minimum_protocol_version: TLS_AUTO, tls_maximum_protocol_version: TLS_AUTO }", .tlsv12,
            .tlsv13
        ),
        (
            ", tls_params: { tls_minimum_protocol_version: TLSv1_0, tls_maximum_protocol_version: TLSv1_2 }", .tlsv10,
            .tlsv12
        ),
        (", tls_params: { tls_minimum_protocol_version: TLSv1_3 }", .tlsv13, .tlsv13),
    ])
    func serverVersions(_ common: String, _ minimum: TlsVersion, _ maximum: TlsVersion) throws {
        let files = try PEMFiles()
        let plan = try planConfig(config("filter_chains:\n- \(files.downstream(common: common))\n  \(filters("tls"))"))
        let tls = try #require(plan.listeners.first?.filterChains.first?.tls)
        #expect(tls.common.minimumVersion == minimum)
        #expect(tls.common.maximumVersion == maximum)
        #expect(tls.requireClientCertificate == false)
    }

    @Test func aMinimumAboveTheMaximumIsWarnedAbout() throws {
        let files = try PEMFiles()
        let (plan, warnings) = try planWithWarnings(
            config(
                "filter_chains:\n- \(files.downstream(common: ", tls_params: { tls_minimum_protocol_version: TLSv1_3, tls_maximum_protocol_version: TLSv1_2 }"))\n  \(filters("tls"))",
                clusterFields: files.upstream(
                    ", common_tls_context: { tls_params: { tls_minimum_protocol_version: TLSv1_3 } }"
                )
            )
        )
        #expect(plan.listeners.first?.filterChains.first?.tls?.common.minimumVersion == .tlsv13)
        #expect(
            warnings.map { "\($0.path): \($0.message)" } == [
                "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.tls_params: "
                    + "tls_minimum_protocol_version TLSv1_3 is above the maximum TLSv1_2: no handshake can succeed",
                "static_resources.clusters[0].transport_socket.typed_config.common_tls_context.tls_params: "
                    + "tls_minimum_protocol_version TLSv1_3 is above the maximum TLSv1_2 (TLS_AUTO's here): no handshake "
                    + "can succeed",
            ]
        )
    }

    @Test func anUpstreamContextWithEnvoysClientDefaults() throws {
        let files = try PEMFiles()
        let plan = try planConfig(
            config(
                "filter_chains: [{ \(filters("a")) }]",
                clusterFields: files.upstream(
                    ", sni: backend.example.com, common_tls_context: { tls_certificates: [{ certificate_chain: { filename: \"\(files.certificatePath)\" }, private_key: { filename: \"\(files.keyPath)\" } }], validation_context: { trusted_ca: { filename: \"\(files.caPath)\" } }, alpn_protocols: [h2] }"
                )
            )
        )
        let tls = try #require(plan.clusters.first?.tls)
        #expect(tls.serverName == "backend.example.com")
        #expect(tls.clientCertificate?.privateKey == PEMSource(pem: files.key, source: files.keyPath))
        #expect(tls.common.trustedCA?.source == files.caPath)
        #expect(tls.common.minimumVersion == .tlsv12)
        #expect(tls.common.maximumVersion == .tlsv12)
        #expect(tls.common.alpnProtocols == ["h2"])
        let bare = try planConfig(config("filter_chains: [{ \(filters("a")) }]", clusterFields: files.upstream("")))
        #expect(
            bare.clusters.first?.tls
                == UpstreamTlsPlan(
                    serverName: nil,
                    clientCertificate: nil,
                    common: CommonTlsPlan(maximumVersion: .tlsv12)
                )
        )
        let raw = try planConfig(
            config(
                "filter_chains: [{ \(filters("a")) }]",
                clusterFields:
                    #"transport_socket: { name: raw, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer } }"#
            )
        )
        #expect(raw.clusters.first?.tls == nil)
    }

    // MARK: lifeline check

    @Test(.enabled(if: onLinux)) func checkListsChainsWithTheSourcesOfTheirKeysNeverTheKeys() throws {
        let files = try PEMFiles()
        let plan = try planConfig(
            config(
                """
                \(inspector)
                listener_filters_timeout: 0s
                filter_chains:
                - name: api
                  filter_chain_match: { destination_port: 8443, server_names: [api.example.com], transport_protocol: tls, application_protocols: [h2], source_prefix_ranges: [{ address_prefix: 192.0.2.0, prefix_len: 24 }] }
                  \(files.downstream(common: ", alpn_protocols: [h2], tls_params: { cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256], ecdh_curves: [X25519] }, validation_context: { trusted_ca: { filename: \"\(files.caPath)\" }, match_typed_subject_alt_names: [{ san_type: URI, matcher: { prefix: \"spiffe://example.com/\" } }] }", fields: ", require_client_certificate: true"))
                  \(filters("api"))
                default_filter_chain: { \(filters("fallback")) }
                """,
                clusterFields: files.upstream(", sni: backend.example.com")
            )
        )
        let summary = plan.summary(eventLoops: 1)
        let listener = try #require(summary["listeners"]?.elements?.first)
        let text = ConfigTree.object([
            ("listener_filters", listener["listener_filters"]),
            ("listener_filters_timeout", listener["listener_filters_timeout"]),
            ("continue_on_listener_filters_timeout", listener["continue_on_listener_filters_timeout"]),
            ("filter_chains", listener["filter_chains"]),
            ("default_filter_chain", listener["default_filter_chain"]),
            ("cluster_tls", summary["clusters"]?.elements?.first?["tls"]),
        ]).yamlText
        #expect(
            text == """
                listener_filters:
                - envoy.filters.listener.tls_inspector
                listener_filters_timeout: disabled
                continue_on_listener_filters_timeout: false
                filter_chains:
                - name: api
                  filter_chain_match:
                    destination_port: 8443
                    server_names:
                    - api.example.com
                    transport_protocol: tls
                    application_protocols:
                    - h2
                    source_prefix_ranges:
                    - 192.0.2.0/24
                  transport_socket:
                    tls:
                      certificates:
                      - certificate_chain: \(files.certificatePath)
                        private_key: \(files.keyPath)
                      min_version: TLSv1_2
                      max_version: TLSv1_3
                      cipher_suites:
                      - ECDHE-RSA-AES128-GCM-SHA256
                      ecdh_curves:
                      - X25519
                      alpn_protocols:
                      - h2
                      trusted_ca: \(files.caPath)
                      match_subject_alt_names:
                      - "URI prefix spiffe://example.com/"
                      require_client_certificate: true
                  tcp_proxy:
                    stat_prefix: api
                    cluster: backend
                    idle_timeout: 3600s
                default_filter_chain:
                  name: "static_resources.listeners[0].default_filter_chain"
                  transport_socket: raw_buffer
                  tcp_proxy:
                    stat_prefix: fallback
                    cluster: backend
                    idle_timeout: 3600s
                cluster_tls:
                  sni: backend.example.com
                  min_version: TLSv1_2
                  max_version: TLSv1_2

                """
        )
        #expect(!summary.yamlText.contains("SECRET-KEY-MATERIAL"))
        #expect(!summary.jsonText.contains("SECRET-KEY-MATERIAL"))
    }
}
