/// `envoy.config.listener.v3.FilterChainMatch`, as written: what a connection must look like to be given to a filter
/// chain. An empty list, an empty string or a nil field places no condition.
///
/// Two matches are equal when Envoy's protobuf comparison finds them equal (lists in order, strings as written), which
/// is how Envoy finds "the same matching rules"; overlapping rules are found on the normalised values
/// (``FilterChainMatchConfig/normalizedServerName(_:)``, ``CidrRangeConfig/key``).
public struct FilterChainMatchConfig: Sendable, Hashable {
    /// `source_type`.
    public enum SourceType: Int, Sendable, Hashable {
        /// `ANY` (0).
        case any = 0
        /// `SAME_IP_OR_LOOPBACK` (1): the peer is 127.0.0.1, ::1, or the connection's own local address.
        case sameIPOrLoopback = 1
        /// `EXTERNAL` (2): any other peer.
        case external = 2

        public static let protoNames: KeyValuePairs<String, Int> = [
            "ANY": 0, "SAME_IP_OR_LOOPBACK": 1, "EXTERNAL": 2,
        ]

        public var protoName: String {
            switch self {
            case .any: "ANY"
            case .sameIPOrLoopback: "SAME_IP_OR_LOOPBACK"
            case .external: "EXTERNAL"
            }
        }
    }

    /// `destination_port` (1–65535).
    public var destinationPort: Int?
    /// `prefix_ranges`: the local (destination) address.
    public var prefixRanges: [CidrRangeConfig]
    /// `server_names`, as written: exact names or `*.`-wildcards.
    public var serverNames: [String]
    /// `transport_protocol`, e.g. `tls` or `raw_buffer`; empty places no condition.
    public var transportProtocol: String
    /// `application_protocols`: ALPN protocol names.
    public var applicationProtocols: [String]
    /// `source_type`.
    public var sourceType: SourceType
    /// `source_prefix_ranges`: the peer's address.
    public var sourcePrefixRanges: [CidrRangeConfig]
    /// `source_ports` (each 1–65535).
    public var sourcePorts: [Int]
    /// `direct_source_prefix_ranges`: the socket's own peer, which a PROXY header does not change.
    public var directSourcePrefixRanges: [CidrRangeConfig]

    public init(
        destinationPort: Int? = nil,
        prefixRanges: [CidrRangeConfig] = [],
        serverNames: [String] = [],
        transportProtocol: String = "",
        applicationProtocols: [String] = [],
        sourceType: SourceType = .any,
        sourcePrefixRanges: [CidrRangeConfig] = [],
        sourcePorts: [Int] = [],
        directSourcePrefixRanges: [CidrRangeConfig] = []
    ) {
        self.destinationPort = destinationPort
        self.prefixRanges = prefixRanges
        self.serverNames = serverNames
        self.transportProtocol = transportProtocol
        self.applicationProtocols = applicationProtocols
        self.sourceType = sourceType
        self.sourcePrefixRanges = sourcePrefixRanges
        self.sourcePorts = sourcePorts
        self.directSourcePrefixRanges = directSourcePrefixRanges
    }

    /// Whether this match places no condition at all.
    public var isEmpty: Bool { self == FilterChainMatchConfig() }

    /// A server name as Envoy keys it: lower-cased, and a wildcard `*.example.com` as its suffix `.example.com`.
    public static func normalizedServerName(_ name: String) -> String {
        let lower = ProtoJSONDialect.asciiLowercased(name)
        return lower.hasPrefix("*.") ? String(lower.dropFirst()) : lower
    }
}

/// `envoy.config.core.v3.CidrRange`, as written, with the address it names.
public struct CidrRangeConfig: Sendable, Hashable {
    /// `address_prefix`, as written.
    public var addressPrefix: String
    /// `prefix_len`, as written (0–128; absent is 0).
    public var prefixLength: Int
    /// The address in network byte order: 4 bytes (IPv4) or 16 (IPv6).
    public var address: [UInt8]

    public init(addressPrefix: String, prefixLength: Int, address: [UInt8]) {
        self.addressPrefix = addressPrefix
        self.prefixLength = prefixLength
        self.address = address
    }

    /// The prefix length Envoy uses: `prefix_len`, or the address's width when it is longer (an IPv4 `/33` is `/32`).
    public var effectivePrefixLength: Int { min(prefixLength, address.count * 8) }

    /// The address with the bits past the prefix cleared: `10.1.2.3/8` is the network `10.0.0.0`.
    public var network: [UInt8] {
        var remaining = effectivePrefixLength
        return address.map { byte in
            let bits = min(8, max(0, remaining))
            remaining -= bits
            return bits == 0 ? 0 : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }

    /// The range as Envoy keys it, e.g. `10.0.0.0/8` or `2001:db8::/32`: two ranges with the same key are the same
    /// range.
    public var key: String {
        "\(Self.addressText(network))/\(effectivePrefixLength)"
    }

    /// An address of 4 or 16 bytes as `inet_ntop(3)` writes it: `10.0.0.1`, `2001:db8::1`.
    public static func addressText(_ bytes: [UInt8]) -> String {
        IPAddressText.text(bytes) ?? bytes.map(String.init).joined(separator: ".")
    }
}
