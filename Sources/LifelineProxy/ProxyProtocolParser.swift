public import NIOCore

/// Reads a PROXY protocol header (HAProxy's v1 text line or v2 binary block) from the first bytes of a connection,
/// without consuming them and without a channel, so it can be fed any bytes at all (it is fuzzed) and never traps.
///
/// It answers as soon as the bytes decide: too few to tell (``Outcome/needMoreData``), not a PROXY header at all
/// (``Outcome/notProxyProtocol``, which `allow_requests_without_proxy_protocol` lets through), a header that breaks
/// the format (``Outcome/malformed(_:reason:)``), or a whole header (``Outcome/header(_:)``). The rules are Envoy's:
/// a v1 line ends in CRLF within 107 bytes and carries `TCP4`/`TCP6` addresses of its own family or is `UNKNOWN`;
/// a v2 block is version 2, command `LOCAL` or `PROXY`, and a `PROXY` block names an IPv4 or IPv6 family whose
/// addresses, and every TLV after them, fit in its length.
public struct ProxyProtocolParser: Sendable {
    public enum Outcome: Sendable, Hashable {
        case needMoreData
        case notProxyProtocol
        case malformed(ProxyProtocolHeader.Version, reason: String)
        case header(ProxyProtocolHeader)
    }

    /// The 12 bytes every v2 header starts with.
    public static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// What every v1 header starts with.
    public static let v1Prefix: [UInt8] = Array("PROXY ".utf8)
    /// The longest v1 line the specification allows, CRLF included.
    public static let maxV1Length = 107
    /// Signature, version and command, family and protocol, length.
    public static let v2FixedLength = 16

    /// The largest v2 length field accepted; a longer block is malformed before any of it is held. The format's own
    /// limit (65535) by default, as in Envoy.
    public let maxV2PayloadLength: Int

    public init(maxV2PayloadLength: Int = 65_535) {
        self.maxV2PayloadLength = maxV2PayloadLength
    }

    /// What the readable bytes of `buffer` are, read from its reader index. Only the bytes that can decide are
    /// copied: a v2 block is looked at whole only once it has all arrived, so a header sent a byte at a time costs
    /// no more than one sent at once.
    public func parse(_ buffer: ByteBuffer) -> Outcome {
        let view = buffer.readableBytesView
        let head = Array(view.prefix(Self.v2FixedLength))
        guard head.count == Self.v2FixedLength, Self.startsLike(head, Self.v2Signature) else {
            return parse(Array(view.prefix(Self.maxV1Length)))
        }
        let outcome = parse(head)
        guard outcome == .needMoreData else { return outcome }
        let length = Self.v2FixedLength + (Int(head[14]) << 8 | Int(head[15]))
        return view.count < length ? .needMoreData : parse(Array(view.prefix(length)))
    }

    /// What `bytes`, the first bytes of a connection, are.
    public func parse(_ bytes: [UInt8]) -> Outcome {
        if bytes.isEmpty { return .needMoreData }
        if Self.startsLike(bytes, Self.v2Signature) {
            return bytes.count < Self.v2FixedLength ? .needMoreData : parseV2(bytes)
        }
        if Self.startsLike(bytes, Self.v1Prefix) {
            return bytes.count < Self.v1Prefix.count ? .needMoreData : parseV1(bytes)
        }
        return .notProxyProtocol
    }

    /// Whether the bytes so far agree with `prefix` (all of them, or all of `prefix`).
    private static func startsLike(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    // MARK: v1

    private func parseV1(_ bytes: [UInt8]) -> Outcome {
        let window = bytes.prefix(Self.maxV1Length)
        guard let end = Self.crlf(in: window) else {
            return bytes.count >= Self.maxV1Length
                ? .malformed(.v1, reason: "no CRLF within \(Self.maxV1Length) bytes") : .needMoreData
        }
        let line = window[Self.v1Prefix.count..<end]
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return .malformed(.v1, reason: "a byte that is not printable ASCII")
        }
        let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        let length = end + 2
        switch fields.first {
        case "UNKNOWN":
            return .header(ProxyProtocolHeader(version: .v1, length: length))
        case "TCP4", "TCP6":
            guard fields.count == 5 else {
                return .malformed(.v1, reason: "\(fields[0]) needs source, destination and two ports")
            }
            guard let sourcePort = Self.port(fields[3]), let destinationPort = Self.port(fields[4]) else {
                return .malformed(.v1, reason: "a port that is not a number in 0...65535")
            }
            let isV4 = fields[0] == "TCP4"
            guard let source = Self.address(fields[1], port: sourcePort, v4: isV4),
                let destination = Self.address(fields[2], port: destinationPort, v4: isV4)
            else {
                return .malformed(.v1, reason: "an address that is not an \(isV4 ? "IPv4" : "IPv6") address")
            }
            return .header(
                ProxyProtocolHeader(version: .v1, length: length, source: source, destination: destination)
            )
        default:
            return .malformed(.v1, reason: "the protocol is not TCP4, TCP6 or UNKNOWN")
        }
    }

    /// The index of the first CR of a CRLF.
    private static func crlf(in bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    /// A decimal port without sign or leading zero.
    private static func port(_ text: String) -> Int? {
        let digits = Array(text.utf8)
        guard (1...5).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            digits.count == 1 || digits[0] != 0x30
        else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return value <= 65_535 ? value : nil
    }

    /// An address in `inet_pton`'s strict form, of the family the line named.
    private static func address(_ text: String, port: Int, v4: Bool) -> SocketAddress? {
        guard let address = try? SocketAddress(ipAddress: text, port: port) else { return nil }
        switch address {
        case .v4 where v4, .v6 where !v4: return address
        default: return nil
        }
    }

    // MARK: v2

    private func parseV2(_ bytes: [UInt8]) -> Outcome {
        let versionAndCommand = bytes[12]
        guard versionAndCommand >> 4 == 2 else {
            return .malformed(.v2, reason: "version \(versionAndCommand >> 4), not 2")
        }
        let command = versionAndCommand & 0x0F
        guard command <= 1 else { return .malformed(.v2, reason: "command \(command) is neither LOCAL nor PROXY") }
        let family = bytes[13] >> 4
        let payloadLength = Int(bytes[14]) << 8 | Int(bytes[15])
        guard payloadLength <= maxV2PayloadLength else {
            return .malformed(.v2, reason: "length \(payloadLength) exceeds \(maxV2PayloadLength)")
        }
        let length = Self.v2FixedLength + payloadLength
        guard bytes.count >= length else { return .needMoreData }
        // LOCAL: the proxy speaking for itself (a health check); whatever follows the fixed part is skipped.
        guard command == 1 else { return .header(ProxyProtocolHeader(version: .v2, length: length)) }
        let payload = bytes[Self.v2FixedLength..<length]
        let addressLength: Int
        switch family {
        case 1: addressLength = 12
        case 2: addressLength = 36
        default: return .malformed(.v2, reason: "address family \(family) is neither IPv4 nor IPv6")
        }
        guard payload.count >= addressLength else {
            return .malformed(.v2, reason: "length \(payloadLength) is too short for the addresses")
        }
        let start = payload.startIndex
        let size = addressLength / 2 - 2
        let sourcePort = Int(payload[start + 2 * size]) << 8 | Int(payload[start + 2 * size + 1])
        let destinationPort = Int(payload[start + 2 * size + 2]) << 8 | Int(payload[start + 2 * size + 3])
        guard
            let source = Self.address(payload[start..<start + size], port: sourcePort),
            let destination = Self.address(payload[start + size..<start + 2 * size], port: destinationPort)
        else { return .malformed(.v2, reason: "addresses that cannot be read") }
        guard let tlvs = Self.tlvs(payload[(start + addressLength)...]) else {
            return .malformed(.v2, reason: "a TLV that runs past the header's length")
        }
        return .header(
            ProxyProtocolHeader(version: .v2, length: length, source: source, destination: destination, tlvs: tlvs)
        )
    }

    /// A packed IPv4 or IPv6 address.
    private static func address(_ bytes: ArraySlice<UInt8>, port: Int) -> SocketAddress? {
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        return try? SocketAddress(packedIPAddress: buffer, port: port)
    }

    /// Type, 16-bit length, value, to the end; nil when one does not fit.
    private static func tlvs(_ bytes: ArraySlice<UInt8>) -> [ProxyProtocolTLV]? {
        var tlvs: [ProxyProtocolTLV] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard bytes.endIndex - index >= 3 else { return nil }
            let length = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            let valueStart = index + 3
            guard bytes.endIndex - valueStart >= length else { return nil }
            tlvs.append(ProxyProtocolTLV(type: bytes[index], value: Array(bytes[valueStart..<valueStart + length])))
            index = valueStart + length
        }
        return tlvs
    }
}
