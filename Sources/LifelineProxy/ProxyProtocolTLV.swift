/// One type-length-value field of a PROXY protocol v2 header, kept as sent: Lifeline interprets only AWS's VPC
/// endpoint id and leaves the others to whoever asks for them by type (`rules` in Envoy's filter config).
public struct ProxyProtocolTLV: Sendable, Hashable {
    /// `PP2_TYPE_AWS`: AWS's TLV; its first value byte is a subtype.
    public static let awsType: UInt8 = 0xEA
    /// `PP2_SUBTYPE_AWS_VPCE_ID`: the rest of the value is the VPC endpoint id.
    public static let awsVPCEndpointIDSubtype: UInt8 = 0x01

    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}
