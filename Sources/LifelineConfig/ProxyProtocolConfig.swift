/// `envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol`: the listener filter that reads a PROXY
/// protocol header (v1 or v2) a load balancer in front put before the client's bytes, and makes the addresses it
/// names the connection's.
public struct ProxyProtocolConfig: Sendable, Hashable {
    /// `envoy.config.core.v3.ProxyProtocolConfig.Version`.
    public enum Version: String, Sendable, Hashable {
        case v1 = "V1"
        case v2 = "V2"
    }

    /// `rules[]`: a v2 TLV of `tlv_type` is kept under `on_tlv_present.key` (in `metadata_namespace`, or the
    /// filter's name when empty).
    public struct Rule: Sendable, Hashable {
        /// `tlv_type`: 0...255.
        public var tlvType: UInt8
        /// `on_tlv_present.metadata_namespace`; empty for the filter's own.
        public var metadataNamespace: String
        /// `on_tlv_present.key`; nil without `on_tlv_present` (the rule then keeps nothing).
        public var key: String?

        public init(tlvType: UInt8, metadataNamespace: String = "", key: String?) {
            self.tlvType = tlvType
            self.metadataNamespace = metadataNamespace
            self.key = key
        }
    }

    /// `pass_through_tlvs`: `envoy.config.core.v3.ProxyProtocolPassThroughTLVs`.
    public enum PassThroughTLVs: Sendable, Hashable {
        /// `match_type: INCLUDE_ALL`.
        case all
        /// `match_type: INCLUDE` with `tlv_type`.
        case only([UInt8])
    }

    /// The canonical name of the filter.
    public static let name = "envoy.filters.listener.proxy_protocol"
    /// `type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol`.
    public static let typeURL = "type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol"

    public var rules: [Rule]
    /// `allow_requests_without_proxy_protocol`: a connection that does not start with a PROXY header goes on with
    /// the socket's addresses instead of being closed (an NLB's own health checks, a client inside the cluster).
    public var allowRequestsWithoutProxyProtocol: Bool
    /// `pass_through_tlvs`; nil when not written (no TLV is passed on).
    public var passThroughTLVs: PassThroughTLVs?
    /// `disallowed_versions`: a header of one of these versions closes the connection.
    public var disallowedVersions: [Version]
    /// `stat_prefix`: the filter's stats are `proxy_proto.<stat_prefix>.*`, or `proxy_proto.*` when empty.
    public var statPrefix: String?

    public init(
        rules: [Rule] = [],
        allowRequestsWithoutProxyProtocol: Bool = false,
        passThroughTLVs: PassThroughTLVs? = nil,
        disallowedVersions: [Version] = [],
        statPrefix: String? = nil
    ) {
        self.rules = rules
        self.allowRequestsWithoutProxyProtocol = allowRequestsWithoutProxyProtocol
        self.passThroughTLVs = passThroughTLVs
        self.disallowedVersions = disallowedVersions
        self.statPrefix = statPrefix
    }
}
