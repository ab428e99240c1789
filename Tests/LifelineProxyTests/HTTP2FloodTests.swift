import Glibc
import LifelinePlan
import LifelineProxy
import NIOCore
import Testing

/// HTTP/2 floods on raw h2c sockets: each ends the connection with GOAWAY `ENHANCE_YOUR_CALM` and is counted under
/// the stat Envoy 1.40 counts it in, while another connection is served.
@Suite struct HTTP2FloodTests {
    /// A request's header block from HPACK's static table: POST, /, http, and `:authority x` as a literal.
    static let requestBlock: [UInt8] = [0x83, 0x84, 0x86, 0x41, 0x01, 0x78]
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + frame(type: 0x4, flags: 0, stream: 0)

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
            + [UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)]
            + payload
    }

    static let floods: [(String, [UInt8], String)] = [
        (
            "empty DATA frames",
            frame(type: 0x1, flags: 0x4, stream: 1, requestBlock)
                + (0..<4).flatMap { _ in frame(type: 0x0, flags: 0, stream: 1) },
            "http2.inbound_empty_frames_flood"
        ),
        (
            "CONTINUATION without END_HEADERS",
            frame(type: 0x1, flags: 0, stream: 1, requestBlock)
                + (0..<20).flatMap { _ in frame(type: 0x9, flags: 0, stream: 1, [0x40, 0x01, 0x61, 0x01, 0x62]) },
            "http2.header_list_size_too_large"
        ),
        (
            "RST_STREAM (rapid reset)",
            (0..<1500).flatMap { index -> [UInt8] in
                let stream = UInt32(1 + 2 * index)
                return frame(type: 0x1, flags: 0x5, stream: stream, requestBlock)
                    + frame(type: 0x3, flags: 0, stream: stream, [0, 0, 0, 8])
            },
            "http.test.downstream_rq_too_many_premature_resets"
        ),
    ]

    /// Sends `bytes` on a new connection and reads until the gateway ends it: the GOAWAY error codes seen.
    static func goawayCodes(port: Int, sending bytes: [UInt8]) -> [UInt32] {
        let fd = connectLoopback(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            sent += count
        }
        let received = RawListener.readToEnd(fd)
        var codes: [UInt32] = []
        var offset = 0
        while offset + 9 <= received.count {
            let length = Int(received[offset]) << 16 | Int(received[offset + 1]) << 8 | Int(received[offset + 2])
            if received[offset + 3] == 0x7, length >= 8, offset + 17 <= received.count {
                codes.append(received[(offset + 13)..<(offset + 17)].reduce(0) { $0 << 8 | UInt32($1) })
            }
            offset += 9 + length
        }
        return codes
    }

    @Test(arguments: floods.indices)
    func aFloodEndsTheConnectionWithGoawayAndIsCounted(_ index: Int) async throws {
        let (name, bytes, stat) = Self.floods[index]
        let manager = HTTPPlans.manager(routes: [HTTPPlans.route()])
        try await withHTTPGateway(manager) { harness, _, _ in
            let port = harness.port
            let codes = await Task.detached { Self.goawayCodes(port: port, sending: Self.preface + bytes) }.value
            #expect(codes.contains(11), "\(name): GOAWAY ENHANCE_YOUR_CALM, got \(codes)")
            let counted = await eventually {
                harness.gateway.store.samples().first { $0.name == stat }?.value == 1
            }
            #expect(counted, "\(name): \(stat)")
            // Another client is served meanwhile (a few tries: on a loaded machine one request can meet the
            // cluster's connect timeout, which is not what this test is about).
            var statuses: [Int] = []
            for _ in 0..<3 where statuses.last != 200 {
                statuses.append(try curl(["http://127.0.0.1:\(port)/"]).status)
            }
            #expect(statuses.last == 200, "\(name): another client got \(statuses)")
        }
    }
}
