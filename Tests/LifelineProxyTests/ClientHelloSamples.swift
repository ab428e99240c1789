import Foundation
import LifelineTestSupport

/// ClientHellos for tests: real ones from Python's `ssl` module, and hand-built ones for what real clients never send.
enum ClientHelloSamples {
    /// The first flight of a Python `ssl` client: one record holding its ClientHello.
    static func python(serverName: String?, alpn: [String] = [], maximumVersion: String = "TLSv1_3") throws -> [UInt8] {
        let script = """
            import ssl, sys
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.maximum_version = ssl.TLSVersion.\(maximumVersion)
            alpn = [p for p in sys.argv[2].split(",") if p]
            if alpn:
                context.set_alpn_protocols(alpn)
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            name = sys.argv[1] or None
            connection = context.wrap_bio(incoming, outgoing, server_hostname=name)
            try:
                connection.do_handshake()
            except ssl.SSLWantReadError:
                pass
            sys.stdout.write(outgoing.read().hex())
            """
        let output = try ExternalCommand([
            "python3", "-c", script, serverName ?? "", alpn.joined(separator: ","),
        ]).check()
        return try bytes(hex: output.text)
    }

    /// A ClientHello handshake message (type, length, body) with the given extensions.
    static func message(extensions: [(type: UInt16, data: [UInt8])]?, version: UInt16 = 0x0303) -> [UInt8] {
        var body: [UInt8] = [UInt8(version >> 8), UInt8(version & 0xff)]
        body += [UInt8](repeating: 0xab, count: 32)  // random
        body += [0]  // session id
        body += [0, 2, 0x13, 0x01]  // TLS_AES_128_GCM_SHA256
        body += [1, 0]  // null compression
        if let extensions {
            var block: [UInt8] = []
            for (type, data) in extensions {
                block += uint16(Int(type)) + uint16(data.count) + data
            }
            body += uint16(block.count) + block
        }
        return [1] + uint24(body.count) + body
    }

    /// `server_name` extension data with one host_name entry per name.
    static func serverName(_ names: String...) -> [UInt8] {
        var list: [UInt8] = []
        for name in names { list += [0] + uint16(name.utf8.count) + Array(name.utf8) }
        return uint16(list.count) + list
    }

    /// ALPN extension data.
    static func alpn(_ protocols: [String]) -> [UInt8] {
        var list: [UInt8] = []
        for name in protocols { list += [UInt8(name.utf8.count)] + Array(name.utf8) }
        return uint16(list.count) + list
    }

    /// The handshake bytes wrapped in records of at most `fragment` bytes each.
    static func records(_ handshake: [UInt8], fragment: Int = 16_384) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < handshake.count {
            let end = min(offset + fragment, handshake.count)
            out += [22, 3, 1] + uint16(end - offset) + handshake[offset..<end]
            offset = end
        }
        return out
    }

    /// Re-frames a single-record ClientHello into two records split `at` bytes into the handshake message.
    static func splitIntoTwoRecords(_ record: [UInt8], at split: Int) -> [UInt8] {
        let handshake = Array(record[5...])
        return [record[0], record[1], record[2]] + uint16(split) + handshake[..<split]
            + [record[0], record[1], record[2]] + uint16(handshake.count - split) + handshake[split...]
    }

    static func uint16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
    static func uint24(_ value: Int) -> [UInt8] { [UInt8(value >> 16 & 0xff)] + uint16(value) }

    struct BadHex: Error {}

    static func bytes(hex: String) throws -> [UInt8] {
        let digits = Array(hex.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard digits.count % 2 == 0 else { throw BadHex() }
        var out: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw BadHex()
            }
            out.append(byte)
            index += 2
        }
        return out
    }
}
