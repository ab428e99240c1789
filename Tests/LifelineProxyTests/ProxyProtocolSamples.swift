import NIOCore

/// PROXY protocol headers as load balancers write them, for the parser's and the listener's tests.
enum ProxyProtocolSamples {
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    /// A v2 header: `command` 0x20 (LOCAL) or 0x21 (PROXY), `family` 0x11 (TCP over IPv4) or 0x21 (over IPv6).
    static func v2(command: UInt8 = 0x21, family: UInt8 = 0x11, payload: [UInt8]) -> [UInt8] {
        signature + [command, family, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    /// A v2 PROXY header for TCP over IPv4.
    static func v2(
        source: [UInt8],
        destination: [UInt8],
        sourcePort: UInt16,
        destinationPort: UInt16,
        tlvs: [UInt8] = []
    ) -> [UInt8] {
        let ports = [
            UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8),
            UInt8(destinationPort & 0xFF),
        ]
        return v2(family: source.count == 4 ? 0x11 : 0x21, payload: source + destination + ports + tlvs)
    }

    static func tlv(_ type: UInt8, _ value: [UInt8]) -> [UInt8] {
        [type, UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
    }

    /// AWS's VPC endpoint id TLV (0xEA, subtype 0x01), as an NLB behind PrivateLink sends it.
    static func awsVPCEndpoint(_ id: String) -> [UInt8] {
        tlv(0xEA, [0x01] + Array(id.utf8))
    }

    /// What an NLB sends for client 198.18.0.7:40001 connecting to 198.18.0.1:443 through `vpce-0123456789abcdef0`.
    static let nlb = v2(
        source: [198, 18, 0, 7],
        destination: [198, 18, 0, 1],
        sourcePort: 40001,
        destinationPort: 443,
        tlvs: awsVPCEndpoint("vpce-0123456789abcdef0")
    )

    static func v1(_ line: String) -> [UInt8] {
        Array(line.utf8)
    }
}
