public import NIOCore

/// What a PROXY protocol header said: the version it was written in, whether it names the client (`PROXY`) or not
/// (`LOCAL`, v1 `UNKNOWN`), the client's and the original destination's addresses, and (v2) the TLVs after them.
public struct ProxyProtocolHeader: Sendable, Hashable {
    /// The two wire formats; named as Envoy's `disallowed_versions` and its `versions.v1.*`/`versions.v2.*` stats.
    public enum Version: String, Sendable, Hashable, CaseIterable {
        case v1
        case v2
    }

    public var version: Version
    /// The bytes the header takes at the start of the connection; what follows is the client's own.
    public var length: Int
    /// The client as the proxy in front saw it; nil for `LOCAL` (a health check by the proxy itself) and for v1
    /// `UNKNOWN`, where the connection keeps the socket's addresses, as in Envoy.
    public var source: SocketAddress?
    /// The address the client connected to at the proxy in front; nil when `source` is.
    public var destination: SocketAddress?
    /// v2 TLVs in the order sent; empty for v1.
    public var tlvs: [ProxyProtocolTLV]

    public init(
        version: Version,
        length: Int,
        source: SocketAddress? = nil,
        destination: SocketAddress? = nil,
        tlvs: [ProxyProtocolTLV] = []
    ) {
        self.version = version
        self.length = length
        self.source = source
        self.destination = destination
        self.tlvs = tlvs
    }

    /// The AWS VPC endpoint id an NLB behind a PrivateLink endpoint sends (TLV 0xEA, subtype 0x01), e.g.
    /// `vpce-0123456789abcdef0`; nil when there is none.
    public var awsVPCEndpointID: String? {
        guard let tlv = tlvs.first(where: { $0.type == ProxyProtocolTLV.awsType }),
            tlv.value.first == ProxyProtocolTLV.awsVPCEndpointIDSubtype
        else { return nil }
        return String(decoding: tlv.value.dropFirst(), as: UTF8.self)
    }
}
