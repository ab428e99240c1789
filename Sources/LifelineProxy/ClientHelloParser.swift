/// Reads the first bytes of a connection the way Envoy's `tls_inspector` does: is this a TLS ClientHello, and if so,
/// which server name (SNI) and application protocols (ALPN) does it ask for?
///
/// The parser is stateless: each call looks at everything received so far, from the first byte. Handshake messages
/// may be fragmented across records and records across reads, so a ClientHello that spans two records is reassembled
/// (BoringSSL, which Envoy hands the bytes to, does the same). What BoringSSL would reject before its ClientHello
/// callback runs — a record that is not a handshake, a first message that is not a ClientHello, malformed lengths,
/// a duplicated extension, a malformed `server_name` or ALPN list — is `notTLS`: Envoy then counts `tls_not_found`
/// and carries on with the `raw_buffer` transport. A ClientHello that does not fit into `maximumBytes` is
/// `tooLarge`, on which Envoy closes the connection (`client_hello_too_large`); one whose message is longer than
/// 16 KiB is `notTLS`, because BoringSSL refuses it before Envoy's callback sees it.
public struct ClientHelloParser: Sendable, Hashable {
    /// What the bytes so far say.
    public enum Decision: Sendable, Hashable {
        /// Still possibly a ClientHello; read more.
        case needMoreData
        /// Not TLS (or TLS that BoringSSL would refuse before reading the ClientHello): transport `raw_buffer`.
        case notTLS
        /// A complete ClientHello. `serverName` is lower-cased; `alpn` is in the client's order.
        case tls(serverName: String?, alpn: [String])
        /// The ClientHello would need more than `maximumBytes`.
        case tooLarge
    }

    /// Envoy's `max_client_hello_size` default: the most bytes read before giving up. Envoy 1.40, measured: a
    /// ClientHello of 16,384 bytes on the wire is inspected, one of 16,385 closes the connection. (Envoy before
    /// `max_client_hello_size` existed read up to 64 KiB; pass `maximumBytes: 65_536` for that.)
    public static let defaultMaximumBytes = 16_384

    /// The most bytes this parser will look at; more is `tooLarge`.
    public var maximumBytes: Int

    public init(maximumBytes: Int = ClientHelloParser.defaultMaximumBytes) {
        self.maximumBytes = maximumBytes
    }

    /// Decides on the bytes received so far, from the first byte of the connection.
    public func decide(_ bytes: [UInt8]) -> Decision {
        progress(bytes).decision
    }

    /// The decision, and for `needMoreData` how many bytes (from the first) must have arrived before another look
    /// can say more: the end of the record or message being read. Parsing again only then keeps a client that
    /// trickles its ClientHello a byte at a time from costing a parse per byte.
    public func progress(_ bytes: [UInt8]) -> (decision: Decision, needed: Int) {
        let limited = bytes.count > maximumBytes ? Array(bytes.prefix(maximumBytes)) : bytes
        switch reassembleHandshake(limited) {
        case .notTLS:
            return (.notTLS, 0)
        case .incomplete(let needed):
            guard limited.count < maximumBytes else { return (.tooLarge, 0) }
            return (.needMoreData, min(max(needed, limited.count + 1), maximumBytes))
        case .clientHello(let body):
            guard let hello = ClientHelloBody(body) else { return (.notTLS, 0) }
            return (.tls(serverName: hello.serverName, alpn: hello.alpn), 0)
        }
    }

    // MARK: Records

    private enum Reassembly {
        case notTLS
        /// Nothing more can be said before `needed` bytes.
        case incomplete(needed: Int)
        case clientHello([UInt8])
    }

    private static let handshakeContentType: UInt8 = 22
    private static let clientHelloType: UInt8 = 1
    private static let recordHeaderLength = 5
    /// `SSL3_RT_MAX_PLAIN_LENGTH`: the largest plaintext record.
    private static let maximumRecordLength = 16_384
    /// The longest ClientHello message BoringSSL accepts.
    private static let maximumMessageLength = 16_384

    /// Concatenates the payloads of complete handshake records until the first handshake message is complete. Like
    /// BoringSSL's record layer, a record is looked into only once all of it has arrived.
    private func reassembleHandshake(_ bytes: [UInt8]) -> Reassembly {
        let recordHeaderLength = Self.recordHeaderLength
        var handshake: [UInt8] = []
        var offset = 0
        while true {
            let available = bytes.count - offset
            if available >= 1, bytes[offset] != Self.handshakeContentType { return .notTLS }
            if available >= 2, bytes[offset + 1] != 3 { return .notTLS }
            guard available >= recordHeaderLength else { return .incomplete(needed: offset + recordHeaderLength) }
            let recordLength = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            guard recordLength > 0, recordLength <= Self.maximumRecordLength else { return .notTLS }
            let recordEnd = offset + recordHeaderLength + recordLength
            guard recordEnd <= bytes.count else { return .incomplete(needed: recordEnd) }
            handshake.append(contentsOf: bytes[(offset + recordHeaderLength)..<recordEnd])
            offset = recordEnd

            if handshake[0] != Self.clientHelloType { return .notTLS }
            guard handshake.count >= 4 else { continue }
            let messageLength = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
            // BoringSSL refuses a ClientHello longer than this before looking into it.
            guard messageLength <= Self.maximumMessageLength else { return .notTLS }
            if handshake.count >= 4 + messageLength {
                return .clientHello(Array(handshake[4..<(4 + messageLength)]))
            }
        }
    }
}
