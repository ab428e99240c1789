import Foundation
import LifelineConfig
import LifelineTestSupport
import Testing

/// The tcp_proxy filter list of a chain, in flow style.
let tcpProxyFilters =
    #"filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: main, cluster: backend } }]"#

/// A bootstrap whose one listener (`main`, 0.0.0.0:8443) has `listenerBody` (YAML at listener level, unindented,
/// its first line on line 5) and whose cluster `backend` has `clusterFields`.
func chainsConfig(_ listenerBody: String, clusterFields: String = "") -> String {
    """
    static_resources:
      listeners:
      - name: main
        address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
    \(indented(listenerBody, by: 4))
      clusters:
      - name: backend
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
    \(indented(clusterFields, by: 4))
    """
}

/// A chain (as a list entry) with `fields` before its filters.
func chain(_ fields: String = "") -> String {
    (fields.isEmpty ? "- " : "- " + fields.split(separator: "\n").joined(separator: "\n  ") + "\n  ") + tcpProxyFilters
}

/// A DownstreamTlsContext transport socket with one certificate, and `fields` in its typed_config.
func downstreamTls(_ fields: String = "", common: String = "") -> String {
    """
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
        common_tls_context:
          tls_certificates:
          - certificate_chain: { filename: /etc/certs/tls.crt }
            private_key: { filename: /etc/certs/tls.key }
    \(indented(common, by: 4))
    \(indented(fields, by: 4))
    """
}

let tlsInspector =
    #"listener_filters: [{ name: envoy.filters.listener.tls_inspector, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector } }]"#

/// Decodes `text`, returning the bootstrap and its warnings; records an issue on errors.
func decodeWithWarnings(_ text: String) throws -> (Bootstrap, [ConfigDiagnostic]) {
    try Bootstrap.decode(try ConfigLoader.parseDocument(text, file: "x.yaml"))
}

@Suite("Filter chains: any number, with filter_chain_match, a default chain and listener filters")
struct FilterChainDecodingTests {
    @Test func severalChainsWithEveryMatchField() throws {
        let text = chainsConfig(
            """
            \(tlsInspector)
            filter_chains:
            \(chain("name: full\nfilter_chain_match: { destination_port: 8443, prefix_ranges: [{ address_prefix: 10.1.2.3, prefix_len: 8 }], server_names: [Example.COM, \"*.example.com\"], transport_protocol: tls, application_protocols: [h2, http/1.1], source_type: SAME_IP_OR_LOOPBACK, source_prefix_ranges: [{ address_prefix: \"2001:db8::\", prefix_len: 32 }], source_ports: [1234, 5678] }"))
            \(chain("name: second\nfilter_chain_match: { server_names: [other.org] }"))
            \(chain())
            """
        )
        let bootstrap = try decodeBootstrap(text)
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.filterChains.map(\.name) == ["full", "second", nil])
        let match = listener.filterChains[0].match
        #expect(match.destinationPort == 8443)
        #expect(match.prefixRanges.map(\.addressPrefix) == ["10.1.2.3"])
        #expect(match.prefixRanges.map(\.key) == ["10.0.0.0/8"])
        #expect(match.serverNames == ["Example.COM", "*.example.com"])
        #expect(match.transportProtocol == "tls")
        #expect(match.applicationProtocols == ["h2", "http/1.1"])
        #expect(match.sourceType == .sameIPOrLoopback)
        #expect(match.sourcePrefixRanges.map(\.key) == ["2001:db8::/32"])
        #expect(match.sourcePorts == [1234, 5678])
        #expect(
            listener.filterChains[0].matchOrigin?.path
                == "static_resources.listeners[0].filter_chains[0].filter_chain_match"
        )
        #expect(listener.filterChains[2].match.isEmpty)
        #expect(listener.filterChains[2].matchOrigin == nil)
        #expect(listener.tcpProxy?.statPrefix == "main")
        #expect(listener.hasTlsInspector)
    }

    @Test func camelCaseSpellings() throws {
        let text = chainsConfig(
            """
            listenerFilters: [{ name: i, typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector } }]
            listenerFiltersTimeout: 2s
            continueOnListenerFiltersTimeout: true
            filterChains:
            - filterChainMatch: { destinationPort: 443, prefixRanges: [{ addressPrefix: 10.0.0.0, prefixLen: 8 }], serverNames: [a.com], transportProtocol: tls, applicationProtocols: [h2], sourceType: EXTERNAL, sourcePrefixRanges: [{ addressPrefix: 192.168.0.0, prefixLen: 16 }], sourcePorts: [1] }
              transportSocket:
                name: tls
                typedConfig:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  requireClientCertificate: true
                  commonTlsContext:
                    tlsCertificates: [{ certificateChain: { filename: c.pem }, privateKey: { inlineString: "KEY" } }]
                    tlsParams: { tlsMinimumProtocolVersion: TLSv1_3, tlsMaximumProtocolVersion: TLSv1_3, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256], ecdhCurves: [X25519] }
                    alpnProtocols: [h2]
                    validationContext: { trustedCa: { filename: ca.pem }, matchTypedSubjectAltNames: [{ sanType: URI, matcher: { prefix: "spiffe://" } }] }
              \(tcpProxyFilters)
            defaultFilterChain:
              \(tcpProxyFilters)
            """
        )
        let bootstrap = try decodeBootstrap(text)
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.listenerFiltersTimeout == .seconds(2))
        #expect(listener.continueOnListenerFiltersTimeout)
        #expect(listener.defaultFilterChain != nil)
        let match = try #require(listener.filterChains.first).match
        #expect(match.destinationPort == 443)
        #expect(match.sourceType == .external)
        #expect(match.sourcePorts == [1])
        let tls = try #require(listener.filterChains.first?.transportSocket?.tls)
        #expect(tls.requireClientCertificate == true)
        #expect(tls.common.tlsCertificates.first?.privateKey.source == .inlineString("KEY"))
        #expect(tls.common.tlsParams?.minimumVersion == .tlsv13)
        #expect(tls.common.tlsParams?.cipherSuites == ["ECDHE-RSA-AES128-GCM-SHA256"])
        #expect(tls.common.alpnProtocols == ["h2"])
        #expect(tls.common.validationContext?.trustedCA?.source == .filename("ca.pem"))
        #expect(tls.common.validationContext?.matchTypedSubjectAltNames.first?.matcher == .prefix("spiffe://"))
        #expect(tls.common.validationContext?.matchTypedSubjectAltNames.first?.sanType == .uri)
    }

    @Test func aDefaultChainAloneIsEnough() throws {
        let bootstrap = try decodeBootstrap(chainsConfig("default_filter_chain:\n  \(tcpProxyFilters)"))
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.filterChains.isEmpty)
        #expect(listener.defaultFilterChain?.origin.path == "static_resources.listeners[0].default_filter_chain")
        #expect(listener.tcpProxy?.cluster == "backend")
    }

    @Test func anEmptyChainListNeedsADefaultChain() throws {
        expectSingleError(
            chainsConfig("filter_chains: []"),
            path: "static_resources.listeners[0].filter_chains",
            message: "a listener needs filter_chains or a default_filter_chain; filter_chains is empty",
            line: 5
        )
        _ = try decodeBootstrap(chainsConfig("filter_chains: []\ndefault_filter_chain: { \(tcpProxyFilters) }"))
    }

    @Test func theDefaultChainsMatchIsIgnoredWithAWarning() throws {
        let (bootstrap, warnings) = try decodeWithWarnings(
            chainsConfig(
                """
                filter_chains:
                \(chain())
                default_filter_chain:
                  filter_chain_match: { destination_port: 1 }
                  \(tcpProxyFilters)
                """
            )
        )
        #expect(bootstrap.listeners.first?.defaultFilterChain?.match.isEmpty == true)
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].default_filter_chain.filter_chain_match: the "
                    + "default_filter_chain takes the connections no chain matches; Envoy ignores its "
                    + "filter_chain_match (x.yaml:8:27)"
            ]
        )
    }

    @Test func listenerFiltersTimeoutDefaultsAndZero() throws {
        let plain = try decodeBootstrap(chainsConfig("filter_chains:\n\(chain())"))
        #expect(plain.listeners.first?.listenerFiltersTimeout == nil)
        #expect(plain.listeners.first?.continueOnListenerFiltersTimeout == false)
        #expect(plain.listeners.first?.hasTlsInspector == false)
        #expect(ListenerFilterConfig.defaultTimeout == .seconds(15))
        let off = try decodeBootstrap(chainsConfig("listener_filters_timeout: 0s\nfilter_chains:\n\(chain())"))
        #expect(off.listeners.first?.listenerFiltersTimeout == .zero)
    }

    // MARK: Listener filters

    @Test func tlsInspectorNeedsTypedConfigAsInEnvoy() {
        expectSingleError(
            chainsConfig(
                "listener_filters: [{ name: envoy.filters.listener.tls_inspector }]\nfilter_chains:\n\(chain())"
            ),
            path: "static_resources.listeners[0].listener_filters[0]",
            message: "a listener filter needs a typed_config whose @type names it, e.g. "
                + ListenerFilterConfig.tlsInspectorTypeURL,
            line: 5
        )
    }

    @Test func aListenerFilterIsPickedByItsType() throws {
        let bootstrap = try decodeBootstrap(
            chainsConfig(
                #"listener_filters: [{ name: anything, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector } }]"#
                    + "\nfilter_chains:\n\(chain())"
            )
        )
        #expect(bootstrap.listeners.first?.listenerFilters.map(\.name) == ["anything"])
        #expect(bootstrap.listeners.first?.listenerFilters.map(\.kind) == [.tlsInspector])
    }

    @Test(arguments: [
        "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst",
        "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector",
    ])
    func otherListenerFiltersAreNamedAsNotSupported(_ type: String) {
        expectSingleError(
            chainsConfig(
                "listener_filters: [{ name: envoy.filters.listener.tls_inspector, typed_config: { \"@type\": \(type) } }]"
                    + "\nfilter_chains:\n\(chain())"
            ),
            path: "static_resources.listeners[0].listener_filters[0].typed_config.@type",
            message: "listener filter \"\(type)\" is not supported by Lifeline, which runs "
                + "\(ListenerFilterConfig.tlsInspectorTypeURL) and \(ProxyProtocolConfig.typeURL)"
        )
    }

    @Test(arguments: [
        ("enable_ja3_fingerprinting: true", "typed_config.enable_ja3_fingerprinting"),
        ("initialReadBufferSize: 1024", "typed_config.initialReadBufferSize"),
    ])
    func tlsInspectorFieldsLifelineDoesNotRun(_ field: String, _ path: String) {
        expectSingleError(
            chainsConfig(
                #"listener_filters: [{ name: i, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector, "#
                    + field + " } }]\nfilter_chains:\n\(chain())"
            ),
            path: "static_resources.listeners[0].listener_filters[0].\(path)",
            message: "Envoy field not supported by Lifeline"
        )
    }

    @Test func aListenerFilterNeedsAName() {
        expectSingleError(
            chainsConfig(
                #"listener_filters: [{ typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector } }]"#
                    + "\nfilter_chains:\n\(chain())"
            ),
            path: "static_resources.listeners[0].listener_filters[0]",
            message: "a listener filter needs a name"
        )
    }

    // MARK: filter_chain_match errors

    @Test(arguments: [
        ("destination_port: 0", "destination_port", "0 is out of range 1...65535"),
        ("destination_port: 65536", "destination_port", "65536 is out of range 1...65535"),
        ("source_ports: [1, 0]", "source_ports[1]", "0 is out of range 1...65535"),
        (
            "prefix_ranges: [{ address_prefix: foo, prefix_len: 8 }]", "prefix_ranges[0].address_prefix",
            "\"foo\" is not an IP address"
        ),
        ("prefix_ranges: [{ prefix_len: 8 }]", "prefix_ranges[0]", "a CIDR range needs an address_prefix"),
        (
            "source_prefix_ranges: [{ address_prefix: \"::\", prefix_len: 129 }]", "source_prefix_ranges[0].prefix_len",
            "129 is out of range 0...128"
        ),
        (
            "server_names: [\"a*.example.com\"]", "server_names[0]",
            "partial wildcards are not supported in server_names: a wildcard is a leading *. (*.example.com matches "
                + "any name ending in .example.com)"
        ),
        (
            "server_names: [\"*\"]", "server_names[0]",
            "partial wildcards are not supported in server_names: a wildcard is a leading *. (*.example.com matches "
                + "any name ending in .example.com)"
        ),
        (
            "source_type: LOCAL", "source_type",
            "unknown source_type \"LOCAL\"; expected one of ANY, SAME_IP_OR_LOOPBACK, EXTERNAL"
        ),
        (
            "address_suffix: 1.2.3.4", "address_suffix",
            "address_suffix is not implemented by Envoy, which rejects a filter chain that sets it"
        ),
        (
            "suffix_len: 8", "suffix_len",
            "suffix_len is not implemented by Envoy, which rejects a filter chain that sets it"
        ),
        (
            "direct_source_prefix_ranges: [{ address_prefix: foo }]", "direct_source_prefix_ranges[0].address_prefix",
            "\"foo\" is not an IP address"
        ),
        ("sni: a.com", "sni", "unknown field"),
    ])
    func matchFieldErrors(_ field: String, _ path: String, _ message: String) {
        expectSingleError(
            chainsConfig("filter_chains:\n\(chain("filter_chain_match: { \(field) }"))"),
            path: "static_resources.listeners[0].filter_chains[0].filter_chain_match.\(path)",
            message: message
        )
    }

    @Test func anIPv4PrefixLongerThan32IsReadAs32WithAWarning() throws {
        let (bootstrap, warnings) = try decodeWithWarnings(
            chainsConfig(
                "filter_chains:\n\(chain("filter_chain_match: { prefix_ranges: [{ address_prefix: 10.1.2.3, prefix_len: 33 }] }"))"
            )
        )
        #expect(bootstrap.listeners.first?.filterChains.first?.match.prefixRanges.first?.key == "10.1.2.3/32")
        #expect(
            warnings.map(\.path) == [
                "static_resources.listeners[0].filter_chains[0].filter_chain_match.prefix_ranges[0].prefix_len"
            ]
        )
    }

    @Test func aMissingPrefixLengthIsZero() throws {
        let bootstrap = try decodeBootstrap(
            chainsConfig(
                "filter_chains:\n\(chain("filter_chain_match: { prefix_ranges: [{ address_prefix: 10.1.2.3 }] }"))"
            )
        )
        #expect(bootstrap.listeners.first?.filterChains.first?.match.prefixRanges.first?.key == "0.0.0.0/0")
    }

    // MARK: Envoy's rules across chains

    @Test func twoChainsWithTheSameMatch() {
        let diagnostics = decodeErrors(
            chainsConfig(
                """
                \(tlsInspector)
                filter_chains:
                \(chain("name: a\nfilter_chain_match: { server_names: [a.com] }"))
                \(chain("name: b\nfilter_chain_match: { server_names: [a.com] }"))
                """
            )
        )
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.listeners[0].filter_chains[1].filter_chain_match: this filter chain has the same "
                    + "filter_chain_match as \"a\" (static_resources.listeners[0].filter_chains[0]); Envoy rejects "
                    + "filter chains with the same matching rules (x.yaml:11:27)"
            ]
        )
    }

    @Test func twoChainsWithoutAMatchAreTheSame() {
        let diagnostics = decodeErrors(chainsConfig("filter_chains:\n\(chain())\n\(chain("name: b"))"))
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].filter_chains[1]"])
        #expect(
            diagnostics.first?.message.contains(
                "the same filter_chain_match as static_resources.listeners[0].filter_chains[0]"
            ) == true
        )
    }

    @Test(arguments: [
        ("server_names: [a.com, b.com]", "server_names: [b.com]", "server_names \"b.com\""),
        ("server_names: [a.com, b.com]", "server_names: [b.com, a.com]", "server_names \"b.com\""),
        ("server_names: [A.com]", "server_names: [a.com]", "server_names \"a.com\""),
        ("server_names: [\"*.A.com\"]", "server_names: [\"*.a.com\"]", "server_names \"*.a.com\""),
        ("server_names: [\"\"]", "transport_protocol: \"\"", "every connection"),
        (
            "prefix_ranges: [{ address_prefix: 10.1.2.3, prefix_len: 8 }]",
            "prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }]", "prefix_ranges 10.0.0.0/8"
        ),
        ("source_ports: [1, 2]", "source_ports: [2]", "source_ports 2"),
        ("application_protocols: [h2]", "application_protocols: [h2, http/1.1]", "application_protocols \"h2\""),
        (
            "destination_port: 443\nsource_type: EXTERNAL\nsource_ports: [1, 2]",
            "source_ports: [2]\nsource_type: EXTERNAL\ndestination_port: 443",
            "destination_port 443, source_type EXTERNAL, source_ports 2"
        ),
    ])
    func overlappingChains(_ first: String, _ second: String, _ both: String) {
        let diagnostics = decodeErrors(
            chainsConfig(
                """
                \(tlsInspector)
                filter_chains:
                \(chain("name: a\nfilter_chain_match: { \(first.replacingOccurrences(of: "\n", with: ", ")) }"))
                \(chain("name: b\nfilter_chain_match: { \(second.replacingOccurrences(of: "\n", with: ", ")) }"))
                """
            )
        )
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].filter_chains[1].filter_chain_match"])
        #expect(
            diagnostics.map(\.message) == [
                "this filter chain overlaps \"a\" (static_resources.listeners[0].filter_chains[0]): both match "
                    + "\(both); Envoy rejects filter chains with overlapping matching rules"
            ]
        )
    }

    @Test(arguments: [
        ("application_protocols: [h2, h2]", "application_protocols \"h2\""),
        ("source_ports: [7, 7]", "source_ports 7"),
        ("server_names: [a.com, A.COM]", "server_names \"a.com\""),
    ])
    func oneChainListingTheSameMatchTwice(_ match: String, _ twice: String) {
        expectSingleError(
            chainsConfig("\(tlsInspector)\nfilter_chains:\n\(chain("filter_chain_match: { \(match) }"))"),
            path: "static_resources.listeners[0].filter_chains[0].filter_chain_match",
            message: "this filter_chain_match lists the same match twice (\(twice)); Envoy rejects it as overlapping "
                + "matching rules"
        )
    }

    @Test(arguments: [
        ("server_names: [a.com]", "server_names: [\"*.a.com\"]"),
        ("server_names: [a.com]", "server_names: [b.com]"),
        (
            "prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }]",
            "prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 16 }]"
        ),
        ("prefix_ranges: [{ address_prefix: 0.0.0.0, prefix_len: 0 }]", "destination_port: 1"),
        ("transport_protocol: tls", "transport_protocol: raw_buffer"),
        ("source_type: ANY", "source_type: EXTERNAL"),
        ("destination_port: 443", "destination_port: 8443"),
    ])
    func distinctChainsAreAccepted(_ first: String, _ second: String) throws {
        let bootstrap = try decodeBootstrap(
            chainsConfig(
                """
                \(tlsInspector)
                filter_chains:
                \(chain("filter_chain_match: { \(first) }"))
                \(chain("filter_chain_match: { \(second) }"))
                """
            )
        )
        #expect(bootstrap.listeners.first?.filterChains.count == 2)
    }

    @Test func anUnconstrainedChainBesideAnExplicitCatchAllIsAccepted() throws {
        // Envoy files "no prefix_ranges" and 0.0.0.0/0 under different keys.
        let bootstrap = try decodeBootstrap(
            chainsConfig(
                "filter_chains:\n\(chain("filter_chain_match: { prefix_ranges: [{ address_prefix: 0.0.0.0, prefix_len: 0 }] }"))\n\(chain())"
            )
        )
        #expect(bootstrap.listeners.first?.filterChains.count == 2)
    }

    @Test func matchingOnWhatOnlyTlsInspectorReadsIsWarnedAbout() throws {
        let (_, warnings) = try decodeWithWarnings(
            chainsConfig(
                """
                filter_chains:
                \(chain("filter_chain_match: { server_names: [a.com], transport_protocol: tls, application_protocols: [h2] }"))
                \(chain("filter_chain_match: { transport_protocol: raw_buffer }"))
                """
            )
        )
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].filter_chains[0].filter_chain_match: this filter chain "
                    + "matches on server_names, transport_protocol: tls, application_protocols, which only "
                    + "listener_filters envoy.filters.listener.tls_inspector reads from the ClientHello; without it "
                    + "no connection matches, and this chain is never chosen (x.yaml:6:27)"
            ]
        )
        let (_, none) = try decodeWithWarnings(
            chainsConfig("\(tlsInspector)\nfilter_chains:\n\(chain("filter_chain_match: { server_names: [a.com] }"))")
        )
        #expect(none.isEmpty)
    }

    @Test func everyChainsErrorsAreReportedAtOnce() {
        let diagnostics = decodeErrors(
            chainsConfig(
                """
                listener_filters: [{ name: x }]
                listener_filters_timeout: 1
                filter_chains:
                \(chain("filter_chain_match: { destination_port: 0 }"))
                \(chain("filter_chain_match: { server_names: [\"a*\"] }\ntransport_socket: { name: tls, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext } }"))
                default_filter_chain:
                  filters: []
                """
            )
        )
        #expect(
            diagnostics.map(\.path) == [
                "static_resources.listeners[0].listener_filters[0]",
                "static_resources.listeners[0].listener_filters_timeout",
                "static_resources.listeners[0].filter_chains[0].filter_chain_match.destination_port",
                "static_resources.listeners[0].filter_chains[1].filter_chain_match.server_names[0]",
                "static_resources.listeners[0].filter_chains[1].transport_socket.typed_config",
                "static_resources.listeners[0].default_filter_chain.filters",
            ]
        )
    }
}
