import LifelineConfig
import Logging
import NIOCore

extension ProxyProtocolHeader {
    /// Log metadata for a header read: the client it names, the load balancer it came through, the VPC endpoint id,
    /// and the value of every TLV a `rules` entry keeps, under `<metadata_namespace>.<key>` (the filter's name when
    /// the namespace is empty), printable bytes as text and others as hex.
    func logMetadata(rules: [ProxyProtocolConfig.Rule], directPeer: SocketAddress?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "proxy_protocol.version": "\(version.rawValue)",
            "connection.peer": "\(source.map { "\($0)" } ?? "-")",
            "connection.direct_peer": "\(directPeer.map { "\($0)" } ?? "-")",
        ]
        if let id = awsVPCEndpointID { metadata["proxy_protocol.aws.vpce_id"] = "\(id)" }
        for rule in rules {
            guard let key = rule.key, let tlv = tlvs.first(where: { $0.type == rule.tlvType }) else { continue }
            let namespace = rule.metadataNamespace.isEmpty ? ProxyProtocolConfig.name : rule.metadataNamespace
            metadata["\(namespace).\(key)"] = "\(Self.text(tlv.value))"
        }
        return metadata
    }

    /// Printable ASCII as it is; anything else as lower-case hex.
    static func text(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        return bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }
}
