/// The fields of a ClientHello message body (RFC 8446 §4.1.2) that choose a filter chain. Parsing is strict where
/// BoringSSL is strict, so that what Envoy would call "not TLS" is not TLS here either.
struct ClientHelloBody: Sendable, Hashable {
    /// `server_name` (extension 0), lower-cased; nil when absent.
    var serverName: String?
    /// `application_layer_protocol_negotiation` (extension 16), in the client's order; empty when absent.
    var alpn: [String]

    private static let serverNameExtension: UInt16 = 0
    private static let alpnExtension: UInt16 = 16
    /// `TLS1_VERSION`: Envoy's inspector accepts TLS 1.0 and later.
    private static let minimumLegacyVersion: UInt16 = 0x0301

    /// Nil when the body is malformed.
    init?(_ body: [UInt8]) {
        var reader = ByteReader(body)
        guard let version = reader.readUInt16(), version >= Self.minimumLegacyVersion,
            reader.skip(32),  // random
            let sessionID = reader.readVector(lengthBytes: 1), sessionID.count <= 32,
            let cipherSuites = reader.readVector(lengthBytes: 2), !cipherSuites.isEmpty, cipherSuites.count % 2 == 0,
            let compression = reader.readVector(lengthBytes: 1), !compression.isEmpty
        else { return nil }

        serverName = nil
        alpn = []
        // Extensions may be absent altogether (TLS 1.2 and earlier); if present they fill the rest exactly.
        guard !reader.isAtEnd else { return }
        guard let extensions = reader.readVector(lengthBytes: 2), reader.isAtEnd else { return nil }

        var extensionReader = ByteReader(extensions)
        var seen: Set<UInt16> = []
        while !extensionReader.isAtEnd {
            guard let type = extensionReader.readUInt16(), let data = extensionReader.readVector(lengthBytes: 2),
                seen.insert(type).inserted
            else { return nil }
            switch type {
            case Self.serverNameExtension:
                guard let name = Self.parseServerName(data) else { return nil }
                serverName = name
            case Self.alpnExtension:
                guard let protocols = Self.parseALPN(data) else { return nil }
                alpn = protocols
            default:
                continue
            }
        }
    }

    /// Exactly one `host_name` entry, 1 to 255 bytes, no NUL (as BoringSSL requires).
    private static func parseServerName(_ data: [UInt8]) -> String? {
        var reader = ByteReader(data)
        guard let list = reader.readVector(lengthBytes: 2), reader.isAtEnd else { return nil }
        var listReader = ByteReader(list)
        guard let nameType = listReader.readUInt8(), nameType == 0,
            let name = listReader.readVector(lengthBytes: 2), listReader.isAtEnd,
            !name.isEmpty, name.count <= 255, !name.contains(0)
        else { return nil }
        return String(decoding: name, as: UTF8.self).lowercased()
    }

    /// A non-empty list of non-empty protocol names.
    private static func parseALPN(_ data: [UInt8]) -> [String]? {
        var reader = ByteReader(data)
        guard let list = reader.readVector(lengthBytes: 2), reader.isAtEnd, !list.isEmpty else { return nil }
        var listReader = ByteReader(list)
        var protocols: [String] = []
        while !listReader.isAtEnd {
            guard let name = listReader.readVector(lengthBytes: 1), !name.isEmpty else { return nil }
            protocols.append(String(decoding: name, as: UTF8.self))
        }
        return protocols
    }
}
