public import LifelineConfig

/// One of a listener's filter chains, resolved (`envoy.config.listener.v3.FilterChain`): what a connection must look
/// like to be given to it, how its bytes are carried (raw or TLS), and the network filter that ends it.
public struct FilterChainPlan: Sendable, Hashable {
    /// `name`, or the chain's path (`static_resources.listeners[0].filter_chains[1]`, `…default_filter_chain`) when
    /// unnamed: what stats, logs and `check` call it.
    public var name: String
    /// `filter_chain_match`; all fields empty matches every connection.
    public var match: FilterChainMatchPlan
    /// `transport_socket` `envoy.transport_sockets.tls`: TLS is terminated here. Nil: the bytes pass as they arrive
    /// (raw_buffer), which behind `tls_inspector` is SNI passthrough.
    public var tls: DownstreamTlsPlan?
    /// The `connection_limit` filters before the terminal one, in config order: each must admit a connection before
    /// the terminal filter sees it.
    public var connectionLimits: [ConnectionLimitFilterPlan]
    /// The terminal network filter.
    public var filter: NetworkFilterPlan
    public var origin: ConfigOrigin

    public init(
        name: String,
        match: FilterChainMatchPlan = FilterChainMatchPlan(),
        tls: DownstreamTlsPlan? = nil,
        connectionLimits: [ConnectionLimitFilterPlan] = [],
        filter: NetworkFilterPlan,
        origin: ConfigOrigin
    ) {
        self.name = name
        self.match = match
        self.tls = tls
        self.connectionLimits = connectionLimits
        self.filter = filter
        self.origin = origin
    }

    /// A chain ending in `tcp_proxy`.
    public init(
        name: String,
        match: FilterChainMatchPlan = FilterChainMatchPlan(),
        tls: DownstreamTlsPlan? = nil,
        tcpProxy: TcpProxyPlan,
        origin: ConfigOrigin
    ) {
        self.init(name: name, match: match, tls: tls, filter: .tcpProxy(tcpProxy), origin: origin)
    }

    /// The chain's `tcp_proxy`; nil when another filter ends it.
    public var tcpProxy: TcpProxyPlan? {
        if case .tcpProxy(let proxy) = filter { return proxy }
        return nil
    }

    /// The chain's `http_connection_manager`; nil when another filter ends it.
    public var httpConnectionManager: HttpConnectionManagerPlan? {
        if case .httpConnectionManager(let manager) = filter { return manager }
        return nil
    }
}

/// `envoy.config.listener.v3.FilterChainMatch`. An empty list or nil field places no condition.
public struct FilterChainMatchPlan: Sendable, Hashable {
    /// `source_type`.
    public enum SourceType: Int, Sendable, Hashable {
        /// `ANY`.
        case any = 0
        /// `SAME_IP_OR_LOOPBACK`: the peer's address is a local one or loopback.
        case sameIPOrLoopback = 1
        /// `EXTERNAL`.
        case external = 2
    }

    /// `destination_port`: the port the connection was made to (differs from the listener's with original-dst).
    public var destinationPort: Int?
    /// `prefix_ranges`: the local (destination) address.
    public var prefixRanges: [CIDRRange]
    /// `server_names`: the SNI, exact (`example.com`) or a wildcard (`*.example.com`, which matches any name ending in
    /// `.example.com`, the longest suffix winning).
    public var serverNames: [String]
    /// `transport_protocol`: `raw_buffer` or `tls` (as `tls_inspector` detects it).
    public var transportProtocol: String?
    /// `application_protocols`: the ALPN protocols the client offered (any of them).
    public var applicationProtocols: [String]
    /// `source_type`.
    public var sourceType: SourceType
    /// `source_prefix_ranges`: the peer's address.
    public var sourcePrefixRanges: [CIDRRange]
    /// `source_ports`: the peer's port.
    public var sourcePorts: [Int]
    /// `direct_source_prefix_ranges`: the socket's own peer (the load balancer, behind `proxy_protocol`).
    public var directSourcePrefixRanges: [CIDRRange]

    public init(
        destinationPort: Int? = nil,
        prefixRanges: [CIDRRange] = [],
        serverNames: [String] = [],
        transportProtocol: String? = nil,
        applicationProtocols: [String] = [],
        sourceType: SourceType = .any,
        sourcePrefixRanges: [CIDRRange] = [],
        sourcePorts: [Int] = [],
        directSourcePrefixRanges: [CIDRRange] = []
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
}

/// `envoy.config.core.v3.CidrRange`: an address prefix.
public struct CIDRRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address in network byte order: 4 bytes (IPv4) or 16 (IPv6).
    public var address: [UInt8]
    /// `prefix_len`: 0...32 or 0...128.
    public var prefixLength: Int

    public init(address: [UInt8], prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Whether `bytes` (4 or 16, network byte order) lies in this range; an address of the other family never does.
    public func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == address.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address, bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if mine & mask != theirs & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// `10.0.0.0/8`, `2001:db8::/32`.
    public var description: String {
        "\(CidrRangeConfig.addressText(address))/\(prefixLength)"
    }
}

/// What is known of a connection when its filter chain is chosen: its addresses from accept, and what
/// `tls_inspector` read from the ClientHello (nothing, without it).
public struct ConnectionFacts: Sendable, Hashable {
    /// The local address and port the connection was made to; `address` as 4 or 16 bytes.
    public var destinationAddress: [UInt8]
    public var destinationPort: Int
    /// The peer's address (4 or 16 bytes) and port: the client a PROXY header named, else the socket's peer.
    public var sourceAddress: [UInt8]
    public var sourcePort: Int
    /// The socket's own peer (4 or 16 bytes), whatever a PROXY header said: `direct_source_prefix_ranges` matches it.
    public var directSourceAddress: [UInt8]
    /// `tls` or `raw_buffer` as `tls_inspector` detected it; `raw_buffer` without it.
    public var transportProtocol: String
    /// The SNI of the ClientHello, lower-cased; nil when there was none.
    public var serverName: String?
    /// The ALPN protocols of the ClientHello, in the client's order.
    public var applicationProtocols: [String]

    public init(
        destinationAddress: [UInt8],
        destinationPort: Int,
        sourceAddress: [UInt8],
        sourcePort: Int,
        transportProtocol: String = "raw_buffer",
        serverName: String? = nil,
        applicationProtocols: [String] = [],
        directSourceAddress: [UInt8]? = nil
    ) {
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        self.sourceAddress = sourceAddress
        self.sourcePort = sourcePort
        self.directSourceAddress = directSourceAddress ?? sourceAddress
        self.transportProtocol = transportProtocol
        self.serverName = serverName
        self.applicationProtocols = applicationProtocols
    }
}

/// `listener_filters` and their timeout, resolved.
public struct ListenerFiltersPlan: Sendable, Hashable {
    /// `envoy.filters.listener.tls_inspector` is configured: read SNI and ALPN from the ClientHello, without
    /// consuming it, before choosing a chain.
    public var tlsInspector: Bool
    /// `listener_filters_timeout` (Envoy's default 15 s); nil when `0s` turned it off.
    public var timeout: Duration?
    /// `continue_on_listener_filters_timeout`: on timeout, choose a chain with what is known (raw_buffer, no SNI)
    /// instead of closing the connection.
    public var continueOnTimeout: Bool
    /// `envoy.filters.listener.proxy_protocol` is configured: read a PROXY protocol header first and take the
    /// addresses it names.
    public var proxyProtocol: ProxyProtocolConfig?
    /// Whether `proxy_protocol` is listed before `tls_inspector` (filters run in their listed order; with the
    /// inspector first, it sees the PROXY header and takes the connection for `raw_buffer`, as in Envoy).
    public var proxyProtocolFirst: Bool

    public init(
        tlsInspector: Bool = false,
        timeout: Duration? = .seconds(15),
        continueOnTimeout: Bool = false,
        proxyProtocol: ProxyProtocolConfig? = nil,
        proxyProtocolFirst: Bool = true
    ) {
        self.tlsInspector = tlsInspector
        self.timeout = timeout
        self.continueOnTimeout = continueOnTimeout
        self.proxyProtocol = proxyProtocol
        self.proxyProtocolFirst = proxyProtocolFirst
    }

    /// Whether any listener filter runs before a chain is chosen.
    public var isEmpty: Bool { !tlsInspector && proxyProtocol == nil }

    /// The names of the filters that run, in the order they run.
    public var names: [String] {
        var names: [String] = []
        if tlsInspector { names.append(ListenerFilterConfig.tlsInspectorName) }
        if proxyProtocol != nil {
            names.insert(ProxyProtocolConfig.name, at: proxyProtocolFirst ? 0 : names.count)
        }
        return names
    }
}
