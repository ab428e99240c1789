import NIOCore
import Testing

@testable import LifelineProxy

/// The PROXY protocol header, bytes in and verdict out, with no channel: v1 and v2, both families, TLVs, and the
/// ways a header can be cut short or broken.
@Suite struct ProxyProtocolParserTests {
    let parser = ProxyProtocolParser()

    func header(_ bytes: [UInt8]) throws -> ProxyProtocolHeader {
        guard case .header(let header) = parser.parse(bytes) else {
            Issue.record("not a header: \(parser.parse(bytes))")
            throw CancellationError()
        }
        return header
    }

    @Test func v1TCP4NamesTheClientAndTheDestination() throws {
        let line = ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n")
        let parsed = try header(line + Array("hello".utf8))
        #expect(parsed.version == .v1)
        #expect(parsed.length == line.count)
        #expect(parsed.source == (try SocketAddress(ipAddress: "198.18.0.8", port: 40002)))
        #expect(parsed.destination == (try SocketAddress(ipAddress: "198.18.0.1", port: 443)))
        #expect(parsed.tlvs.isEmpty)
    }

    @Test func v1TCP6() throws {
        let parsed = try header(ProxyProtocolSamples.v1("PROXY TCP6 2001:db8::1 2001:db8::2 40010 443\r\n"))
        #expect(parsed.source == (try SocketAddress(ipAddress: "2001:db8::1", port: 40010)))
        #expect(parsed.destination == (try SocketAddress(ipAddress: "2001:db8::2", port: 443)))
    }

    /// `UNKNOWN` (with or without anything after it) keeps the socket's addresses.
    @Test(arguments: ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1 2 3 4\r\n"])
    func v1UnknownNamesNoOne(_ line: String) throws {
        let parsed = try header(ProxyProtocolSamples.v1(line))
        #expect(parsed.length == line.utf8.count)
        #expect(parsed.source == nil && parsed.destination == nil)
    }

    @Test func v2ProxyOverIPv4WithTheAWSVPCEndpointTLV() throws {
        let parsed = try header(ProxyProtocolSamples.nlb + Array("GET /".utf8))
        #expect(parsed.version == .v2)
        #expect(parsed.length == ProxyProtocolSamples.nlb.count)
        #expect(parsed.source == (try SocketAddress(ipAddress: "198.18.0.7", port: 40001)))
        #expect(parsed.destination == (try SocketAddress(ipAddress: "198.18.0.1", port: 443)))
        #expect(parsed.tlvs.map(\.type) == [0xEA])
        #expect(parsed.awsVPCEndpointID == "vpce-0123456789abcdef0")
    }

    @Test func v2ProxyOverIPv6KeepsEveryTLVInOrder() throws {
        let source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
        let destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2]
        let tlvs =
            ProxyProtocolSamples.tlv(0x01, Array("h2".utf8)) + ProxyProtocolSamples.tlv(0x04, [])
            + ProxyProtocolSamples.tlv(0xEA, [0x02, 0xFF])
        let parsed = try header(
            ProxyProtocolSamples.v2(
                source: source,
                destination: destination,
                sourcePort: 1,
                destinationPort: 65535,
                tlvs: tlvs
            )
        )
        #expect(parsed.source == (try SocketAddress(ipAddress: "2001:db8::1", port: 1)))
        #expect(parsed.destination == (try SocketAddress(ipAddress: "2001:db8::2", port: 65535)))
        #expect(
            parsed.tlvs == [
                ProxyProtocolTLV(type: 0x01, value: Array("h2".utf8)), ProxyProtocolTLV(type: 0x04, value: []),
                ProxyProtocolTLV(type: 0xEA, value: [0x02, 0xFF]),
            ]
        )
        // An AWS TLV of another subtype is not a VPC endpoint id.
        #expect(parsed.awsVPCEndpointID == nil)
    }

    /// LOCAL (an NLB health check) skips its whole length, addresses and all, and names no one.
    @Test func v2LocalNamesNoOne() throws {
        let payload = [UInt8](repeating: 7, count: 12)
        let parsed = try header(ProxyProtocolSamples.v2(command: 0x20, payload: payload) + [1, 2, 3])
        #expect(parsed.length == 16 + 12)
        #expect(parsed.source == nil && parsed.destination == nil && parsed.tlvs.isEmpty)
    }

    /// A datagram block is read for its addresses, as Envoy reads it.
    @Test func v2DatagramIsRead() throws {
        let proxy = ProxyProtocolSamples.nlb
        var dgram = proxy
        dgram[13] = 0x12
        #expect(try header(dgram).source == (try SocketAddress(ipAddress: "198.18.0.7", port: 40001)))
    }

    /// Every prefix of a header waits for more; the whole header is a header.
    @Test(arguments: [
        ProxyProtocolSamples.nlb, ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n"),
    ])
    func everyPrefixWaits(_ bytes: [UInt8]) {
        for count in 0..<bytes.count {
            #expect(parser.parse(Array(bytes[..<count])) == .needMoreData, "\(count) bytes")
        }
        if case .header = parser.parse(bytes) {} else { Issue.record("the whole header is not read") }
    }

    @Test(arguments: ["GET / HTTP/1.1\r\n", "\u{16}\u{03}\u{01}", "PROXX", "\r\n\r\n\u{00}\r\nQUIX"])
    func otherBytesAreNotProxyProtocol(_ text: String) {
        #expect(parser.parse(Array(text.utf8)) == .notProxyProtocol)
    }

    @Test(arguments: [
        ("PROXY TCP4 2001:db8::1 2001:db8::2 40010 443\r\n", "family"),
        ("PROXY TCP6 198.18.0.9 198.18.0.1 1 2\r\n", "family"),
        ("PROXY TCP4 198.18.0.9 198.18.0.1 70000 443\r\n", "port"),
        ("PROXY TCP4 198.18.0.9 198.18.0.1 01 2\r\n", "leading zero"),
        ("PROXY TCP4 198.18.0.09 198.18.0.1 1 2\r\n", "leading zero"),
        ("PROXY TCP4 198.18.0.9 198.18.0.1 1 2 3\r\n", "extra field"),
        ("PROXY TCP4 198.18.0.9  198.18.0.1 1 2\r\n", "double space"),
        ("PROXY TCP4 nonsense\r\n", "short"),
        ("PROXY UDP4 198.18.0.9 198.18.0.1 1 2\r\n", "protocol"),
        ("PROXY TCP4 198.18.0.9 198.18.0.1 -1 2\r\n", "sign"),
    ])
    func malformedV1(_ line: String, _ what: String) {
        guard case .malformed(.v1, _) = parser.parse(Array(line.utf8)) else {
            Issue.record("\(what): \(parser.parse(Array(line.utf8)))")
            return
        }
    }

    /// No CRLF within 107 bytes is malformed; a bare LF is not an end of line (more is awaited, as Envoy does).
    @Test func aV1LineEndsInCRLFWithin107Bytes() {
        let long = Array("PROXY UNKNOWN ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 93)
        #expect(long.count == 107)
        if case .malformed(.v1, _) = parser.parse(long) {} else { Issue.record("\(parser.parse(long))") }
        #expect(parser.parse(Array(long.dropLast())) == .needMoreData)
        let longest = Array("PROXY UNKNOWN ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 91) + [0x0D, 0x0A]
        #expect(longest.count == 107)
        if case .header = parser.parse(longest) {} else { Issue.record("\(parser.parse(longest))") }
        #expect(parser.parse(Array("PROXY TCP4 198.18.0.9 198.18.0.1 1 2\n".utf8)) == .needMoreData)
    }

    @Test func malformedV2() {
        let addresses: [UInt8] = [198, 18, 0, 9, 198, 18, 0, 1, 0x9C, 0x49, 0x01, 0xBB]
        let cases: [(String, [UInt8])] = [
            ("version 1", ProxyProtocolSamples.signature + [0x11, 0x11, 0, 12] + addresses),
            ("command 2", ProxyProtocolSamples.v2(command: 0x22, payload: addresses)),
            ("family UNSPEC with PROXY", ProxyProtocolSamples.v2(family: 0x00, payload: [])),
            ("family UNIX", ProxyProtocolSamples.v2(family: 0x31, payload: [UInt8](repeating: 0, count: 216))),
            ("IPv4 addresses cut short", ProxyProtocolSamples.v2(payload: Array(addresses[..<8]))),
            ("IPv6 addresses cut short", ProxyProtocolSamples.v2(family: 0x21, payload: addresses)),
            ("TLV past the end", ProxyProtocolSamples.v2(payload: addresses + [0xEA, 0x00, 0x10, 1, 2, 3])),
            ("TLV header cut short", ProxyProtocolSamples.v2(payload: addresses + [0xEA, 0x00])),
        ]
        for (name, bytes) in cases {
            guard case .malformed(.v2, _) = parser.parse(bytes) else {
                Issue.record("\(name): \(parser.parse(bytes))")
                continue
            }
        }
    }

    /// A length past the bound is malformed from the fixed part alone, before any of the rest is held.
    @Test func anOversizeLengthIsMalformedAtOnce() {
        let bounded = ProxyProtocolParser(maxV2PayloadLength: 512)
        let fixed = ProxyProtocolSamples.signature + [0x21, 0x11, 0x02, 0x01]
        if case .malformed(.v2, let reason) = bounded.parse(fixed) {
            #expect(reason.contains("513"))
        } else {
            Issue.record("\(bounded.parse(fixed))")
        }
        let atBound = ProxyProtocolSamples.signature + [0x21, 0x11, 0x02, 0x00]
        #expect(bounded.parse(atBound) == .needMoreData)
        // The format's own limit: 65535 bytes of payload are waited for.
        #expect(parser.parse(ProxyProtocolSamples.signature + [0x21, 0x11, 0xFF, 0xFF]) == .needMoreData)
    }

    /// Whatever the bytes, the parser answers: random inputs, and random damage to a real header.
    @Test func anyBytesGetAnAnswer() {
        var generator = SeededGenerator(seed: 0x5052_4F58)
        for round in 0..<20_000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            case 1:
                bytes = ProxyProtocolSamples.nlb
                for _ in 0..<3 {
                    bytes[Int.random(in: 12..<bytes.count, using: &generator)] = .random(in: 0...255, using: &generator)
                }
            default:
                bytes = Array("PROXY TCP6 2001:db8::1 2001:db8::2 40010 443\r\n".utf8)
                bytes[Int.random(in: 6..<bytes.count, using: &generator)] = .random(in: 0...255, using: &generator)
            }
            let count = Int.random(in: 0...bytes.count, using: &generator)
            if case .header(let header) = parser.parse(Array(bytes[..<count])) {
                #expect(header.length <= count)
            }
        }
    }

    /// From a ByteBuffer as from an array: every prefix waits, and a broken fixed part is malformed at once, however
    /// long the length it announces.
    @Test func aByteBufferGetsTheSameAnswers() {
        let header = ProxyProtocolSamples.nlb
        for count in 0..<header.count {
            #expect(parser.parse(ByteBuffer(bytes: header[..<count])) == .needMoreData, "\(count) bytes")
        }
        #expect(parser.parse(ByteBuffer(bytes: header)) == parser.parse(header))
        let badVersion = ProxyProtocolSamples.signature + [0x31, 0x11, 0xFF, 0xFF]
        if case .malformed(.v2, _) = parser.parse(ByteBuffer(bytes: badVersion)) {
        } else {
            Issue.record("\(parser.parse(ByteBuffer(bytes: badVersion)))")
        }
        let line = ProxyProtocolSamples.v1("PROXY TCP4 198.18.0.8 198.18.0.1 40002 443\r\n")
        #expect(parser.parse(ByteBuffer(bytes: line + [1, 2])) == parser.parse(line))
    }

    @Test func aByteBufferIsReadFromItsReaderIndex() {
        var buffer = ByteBuffer(bytes: [0, 0] + ProxyProtocolSamples.nlb)
        buffer.moveReaderIndex(forwardBy: 2)
        if case .header(let header) = parser.parse(buffer) {
            #expect(header.awsVPCEndpointID == "vpce-0123456789abcdef0")
        } else {
            Issue.record("\(parser.parse(buffer))")
        }
    }
}
