import LifelineConfig
import Testing

@Suite("The proxy_protocol listener filter's config, as Envoy 1.40 spells it")
struct ProxyProtocolDecodingTests {
    static let type = "type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol"

    func config(_ fields: String, filters extra: String = "") -> String {
        chainsConfig(
            """
            listener_filters:
            \(extra)- name: envoy.filters.listener.proxy_protocol
              typed_config:
                "@type": \(Self.type)
                \(fields)
            filter_chains:
            \(chain())
            """
        )
    }

    func decoded(_ fields: String, filters extra: String = "") throws -> ProxyProtocolConfig {
        let listener = try #require(try decodeBootstrap(config(fields, filters: extra)).listeners.first)
        for filter in listener.listenerFilters {
            if case .proxyProtocol(let config) = filter.kind { return config }
        }
        Issue.record("no proxy_protocol filter")
        throw CancellationError()
    }

    @Test func everyFieldIsRead() throws {
        let config = try decoded(
            """
            rules:
                - tlv_type: 0xEA
                  on_tlv_present: { key: vpce_id, metadata_namespace: aws }
                - tlvType: 1
                  onTlvPresent: { key: alpn }
                allow_requests_without_proxy_protocol: true
                pass_through_tlvs: { match_type: INCLUDE, tlv_type: [0xEA, 4] }
                disallowed_versions: [V1]
                stat_prefix: nlb
            """
        )
        #expect(
            config.rules == [
                .init(tlvType: 0xEA, metadataNamespace: "aws", key: "vpce_id"), .init(tlvType: 1, key: "alpn"),
            ]
        )
        #expect(config.allowRequestsWithoutProxyProtocol)
        #expect(config.passThroughTLVs == .only([0xEA, 4]))
        #expect(config.disallowedVersions == [.v1])
        #expect(config.statPrefix == "nlb")
    }

    @Test func anEmptyConfigIsEnvoysDefaults() throws {
        let config = try decoded("")
        #expect(config == ProxyProtocolConfig())
        #expect(!config.allowRequestsWithoutProxyProtocol)
        #expect(config.statPrefix == nil)
        #expect(try decoded("pass_through_tlvs: {}").passThroughTLVs == .all)
    }

    /// `0xEA` as YAML writes it, as Envoy reads it.
    @Test func aTLVTypeMayBeHexadecimal() throws {
        #expect(try decoded("rules: [{ tlv_type: 0xEA }]").rules.map(\.tlvType) == [0xEA])
        expectSingleError(
            config("rules: [{ tlv_type: 0x100 }]"),
            path: "static_resources.listeners[0].listener_filters[0].typed_config.rules[0].tlv_type",
            message: "a TLV type is less than 256"
        )
    }

    @Test func aTLVTypeIsBelow256() {
        expectSingleError(
            config("rules: [{ tlv_type: 256, on_tlv_present: { key: x } }]"),
            path: "static_resources.listeners[0].listener_filters[0].typed_config.rules[0].tlv_type",
            message: "a TLV type is less than 256"
        )
    }

    @Test func aRuleKeyIsNotEmpty() {
        expectSingleError(
            config("rules: [{ tlv_type: 1, on_tlv_present: { key: '' } }]"),
            path: "static_resources.listeners[0].listener_filters[0].typed_config.rules[0].on_tlv_present.key",
            message: "must not be empty"
        )
    }

    @Test func anUnknownVersionIsNamed() {
        let errors = decodeErrors(config("disallowed_versions: [V3]"))
        #expect(errors.count == 1)
        #expect(
            errors.first?.path
                == "static_resources.listeners[0].listener_filters[0].typed_config.disallowed_versions[0]"
        )
    }

    /// Envoy 1.40's `tlv_location` says where rule values go; Lifeline keeps them with the connection instead.
    @Test func tlvLocationIsNamedAsNotSupported() {
        expectSingleError(
            config("tlv_location: DYNAMIC_METADATA"),
            path: "static_resources.listeners[0].listener_filters[0].typed_config.tlv_location",
            message: "Envoy field not supported by Lifeline"
        )
    }

    @Test func anUnknownFieldIsAnError() {
        expectSingleError(
            config("allow_without_header: true"),
            path: "static_resources.listeners[0].listener_filters[0].typed_config.allow_without_header",
            message: "unknown field"
        )
    }

    /// `direct_source_prefix_ranges` is read beside `source_prefix_ranges`; two chains apart only by it differ.
    @Test func directSourcePrefixRangesAreRead() throws {
        let text = chainsConfig(
            "filter_chains:\n"
                + chain(
                    "filter_chain_match: { direct_source_prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }"
                )
                + "\n" + chain()
        )
        let listener = try #require(try decodeBootstrap(text).listeners.first)
        #expect(listener.filterChains.first?.match.directSourcePrefixRanges.map(\.addressPrefix) == ["10.0.0.0"])
    }

    /// Listener filters keep their listed order: proxy_protocol before or after tls_inspector.
    @Test func theOrderOfListenerFiltersIsKept() throws {
        let inspector = """
            - name: envoy.filters.listener.tls_inspector
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }

            """
        let listener = try #require(try decodeBootstrap(config("", filters: inspector)).listeners.first)
        #expect(
            listener.listenerFilters.map(\.name) == ["envoy.filters.listener.tls_inspector", ProxyProtocolConfig.name]
        )
        #expect(listener.hasTlsInspector)
    }
}
