/// What the TLS inspector learnt about a connection before a filter chain is chosen: Envoy's detected transport
/// protocol, requested server name and requested application protocols.
public struct TLSInspection: Sendable, Hashable {
    /// `FilterChainMatch.transport_protocol`'s values.
    public enum TransportProtocol: String, Sendable, Hashable {
        case tls
        case rawBuffer = "raw_buffer"
    }

    public var transportProtocol: TransportProtocol
    /// SNI, lower-cased; nil when the client sent none (or the connection is not TLS).
    public var serverName: String?
    /// ALPN protocols in the client's order; empty when none.
    public var alpn: [String]
    /// The listener filter timeout expired and `continue_on_listener_filters_timeout` let the connection go on.
    public var timedOut: Bool

    public init(
        transportProtocol: TransportProtocol,
        serverName: String? = nil,
        alpn: [String] = [],
        timedOut: Bool = false
    ) {
        self.transportProtocol = transportProtocol
        self.serverName = serverName
        self.alpn = alpn
        self.timedOut = timedOut
    }

    /// What a connection that is not TLS (or was not inspected in time) goes on with.
    public static let rawBuffer = TLSInspection(transportProtocol: .rawBuffer)
}
