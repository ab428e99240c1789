import LifelineConfig
import LifelinePlan
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of a numeric IPv4 or IPv6 address.
private func ip(_ text: String) -> [UInt8] {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
    Issue.record("not an address: \(text)")
    return []
}

/// `10.0.0.0/8`.
private func cidr(_ text: String) -> CIDRRange {
    let parts = text.split(separator: "/")
    return CIDRRange(address: ip(String(parts[0])), prefixLength: Int(parts[1]) ?? 0)
}

/// A chain named `name` with `match`.
private func chain(_ name: String, _ match: FilterChainMatchPlan = FilterChainMatchPlan()) -> FilterChainPlan {
    FilterChainPlan(
        name: name,
        match: match,
        tcpProxy: TcpProxyPlan(statPrefix: name, cluster: "backend"),
        origin: ConfigOrigin(path: name)
    )
}

/// A connection from 203.0.113.7:50000 to 10.0.0.1:443, raw_buffer, no SNI, no ALPN, unless told otherwise.
private func connection(
    to destination: String = "10.0.0.1",
    port: Int = 443,
    from source: String = "203.0.113.7",
    sourcePort: Int = 50000,
    transport: String = "raw_buffer",
    sni: String? = nil,
    alpn: [String] = []
) -> ConnectionFacts {
    ConnectionFacts(
        destinationAddress: ip(destination),
        destinationPort: port,
        sourceAddress: ip(source),
        sourcePort: sourcePort,
        transportProtocol: transport,
        serverName: sni,
        applicationProtocols: alpn
    )
}

/// The name of the chain `chains` (and `defaultChain`) give `facts`, `default`, or nil.
private func chosen(
    _ chains: [FilterChainPlan],
    default defaultChain: FilterChainPlan? = nil,
    _ facts: ConnectionFacts
) -> String? {
    FilterChainSelector(chains: chains, defaultChain: defaultChain).select(facts)?.name
}

private let fallback = chain("default")

@Suite("FilterChainSelector picks the chain Envoy would")
struct FilterChainSelectorTests {
    // MARK: Basics

    @Test func oneUnconstrainedChainTakesEverything() {
        let chains = [chain("only")]
        #expect(chosen(chains, connection()) == "only")
        #expect(
            chosen(chains, connection(to: "::1", from: "::1", transport: "tls", sni: "a.com", alpn: ["h2"])) == "only"
        )
    }

    @Test func noChainLeftIsTheDefaultChainOrNothing() {
        let chains = [chain("a", FilterChainMatchPlan(destinationPort: 8443))]
        #expect(chosen(chains, connection(port: 443)) == nil)
        #expect(chosen(chains, default: fallback, connection(port: 443)) == "default")
        #expect(FilterChainSelector(chains: chains).choose(connection(port: 443)) == .none)
        #expect(
            FilterChainSelector(chains: chains, defaultChain: fallback).choose(connection(port: 443)) == .defaultChain
        )
        #expect(FilterChainSelector(chains: chains).choose(connection(port: 8443)) == .chain(0))
        #expect(chosen([], default: fallback, connection()) == "default")
        #expect(chosen([], connection()) == nil)
    }

    @Test func theSelectorOfAListenerPlan() throws {
        let plan = try planConfig(
            """
            static_resources:
              listeners:
              - name: main
                address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
                listener_filters: [{ name: tls_inspector, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector } }]
                filter_chains:
                - name: api
                  filter_chain_match: { server_names: [API.Example.com] }
                  filters: [{ name: tcp, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: api, cluster: backend } }]
                default_filter_chain:
                  filters: [{ name: tcp, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: other, cluster: backend } }]
              clusters:
              - name: backend
                load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }] }
            """
        )
        let selector = FilterChainSelector(try #require(plan.listeners.first))
        #expect(selector.select(connection(transport: "tls", sni: "api.example.com"))?.tcpProxy?.statPrefix == "api")
        #expect(selector.select(connection(transport: "tls", sni: "www.example.com"))?.tcpProxy?.statPrefix == "other")
        #expect(selector.select(connection())?.tcpProxy?.statPrefix == "other")
    }

    // MARK: Destination port

    @Test func aChainForThePortBeatsChainsWithoutOne() {
        let chains = [chain("any"), chain("443", FilterChainMatchPlan(destinationPort: 443))]
        #expect(chosen(chains, connection(port: 443)) == "443")
        #expect(chosen(chains, connection(port: 80)) == "any")
    }

    @Test func aPortsChainsAreNotLeftForThoseWithoutAPort() {
        // Envoy: "There is entry for specific port but none of the filter chain matches. Instead of matching
        // catch-all port 0, the fallback filter chain is returned."
        let chains = [
            chain("any"),
            chain("443-api", FilterChainMatchPlan(destinationPort: 443, serverNames: ["api.example.com"])),
        ]
        #expect(chosen(chains, connection(port: 443, transport: "tls", sni: "api.example.com")) == "443-api")
        #expect(chosen(chains, connection(port: 443, transport: "tls", sni: "www.example.com")) == nil)
        #expect(chosen(chains, default: fallback, connection(port: 443, sni: "www.example.com")) == "default")
        #expect(chosen(chains, connection(port: 444, sni: "api.example.com")) == "any")
    }

    // MARK: Destination IP

    @Test(arguments: [
        ("10.1.2.3", "10.1/16"), ("10.1.255.255", "10.1/16"), ("10.2.0.1", "10/8"), ("10.0.0.1", "10/8"),
        ("192.168.0.1", "any"), ("2001:db8::1", "2001:db8::/32"), ("2001:db9::1", "any"), ("::1", "any"),
        ("10.1.2.99", "10.1.2.99/32"),
    ])
    func theLongestDestinationPrefixWins(_ address: String, _ expected: String) {
        let chains = [
            chain("any"),
            chain("10/8", FilterChainMatchPlan(prefixRanges: [cidr("10.0.0.0/8")])),
            chain("10.1/16", FilterChainMatchPlan(prefixRanges: [cidr("10.1.0.0/16")])),
            chain("10.1.2.99/32", FilterChainMatchPlan(prefixRanges: [cidr("10.1.2.99/32")])),
            chain("2001:db8::/32", FilterChainMatchPlan(prefixRanges: [cidr("2001:db8::/32")])),
        ]
        #expect(chosen(chains, connection(to: address)) == expected)
    }

    @Test func aChainWithSeveralPrefixesIsJudgedByItsLongestMatchingOne() {
        let chains = [
            chain("wide", FilterChainMatchPlan(prefixRanges: [cidr("10.0.0.0/8"), cidr("10.1.2.0/24")])),
            chain("middle", FilterChainMatchPlan(prefixRanges: [cidr("10.1.0.0/16")])),
        ]
        #expect(chosen(chains, connection(to: "10.1.2.3")) == "wide")
        #expect(chosen(chains, connection(to: "10.1.3.3")) == "middle")
        #expect(chosen(chains, connection(to: "10.2.3.3")) == "wide")
        #expect(chosen(chains, connection(to: "11.0.0.1")) == nil)
    }

    @Test func aMatchingPrefixKeepsItsChainsEvenWhenALaterCriterionFails() {
        let chains = [
            chain("any"),
            chain("10-tls", FilterChainMatchPlan(prefixRanges: [cidr("10.0.0.0/8")], transportProtocol: "tls")),
        ]
        #expect(chosen(chains, connection(to: "10.0.0.1", transport: "tls")) == "10-tls")
        #expect(chosen(chains, connection(to: "10.0.0.1", transport: "raw_buffer")) == nil)
        #expect(chosen(chains, connection(to: "11.0.0.1", transport: "raw_buffer")) == "any")
    }

    // MARK: Server name

    private let named = [
        chain("none"),
        chain("exact", FilterChainMatchPlan(serverNames: ["api.example.com"])),
        chain("*.example.com", FilterChainMatchPlan(serverNames: ["*.example.com"])),
        chain("*.b.example.com", FilterChainMatchPlan(serverNames: ["*.b.example.com"])),
        chain("*.org", FilterChainMatchPlan(serverNames: ["*.org"])),
    ]

    @Test(arguments: [
        ("api.example.com", "exact"), ("www.example.com", "*.example.com"), ("a.b.example.com", "*.b.example.com"),
        ("x.a.b.example.com", "*.b.example.com"), ("b.example.com", "*.example.com"),
        ("example.com", "none"), ("example.org", "*.org"), ("a.b.example.org", "*.org"), ("org", "none"),
        ("API.EXAMPLE.COM", "exact"), ("api.example.com.", "none"), ("localhost", "none"),
    ])
    func exactThenTheLongestWildcardThenNone(_ sni: String, _ expected: String) {
        #expect(chosen(named, connection(transport: "tls", sni: sni)) == expected)
    }

    @Test func withoutSNIOnlyChainsWithoutServerNamesAreLeft() {
        #expect(chosen(named, connection(transport: "tls", sni: nil)) == "none")
        #expect(chosen(named, connection(transport: "tls", sni: "")) == "none")
        #expect(chosen(Array(named.dropFirst()), connection(transport: "tls")) == nil)
        #expect(chosen(Array(named.dropFirst()), default: fallback, connection(transport: "tls")) == "default")
    }

    @Test func aWildcardDoesNotMatchItsBareDomain() {
        let chains = [chain("wild", FilterChainMatchPlan(serverNames: ["*.a.com"]))]
        #expect(chosen(chains, connection(sni: "a.com")) == nil)
        #expect(chosen(chains, connection(sni: "x.a.com")) == "wild")
    }

    @Test func serverNamesAreComparedWithoutCase() {
        let chains = [chain("upper", FilterChainMatchPlan(serverNames: ["API.Example.COM", "*.Wild.COM"]))]
        #expect(chosen(chains, connection(sni: "api.example.com")) == "upper")
        #expect(chosen(chains, connection(sni: "Api.Example.Com")) == "upper")
        #expect(chosen(chains, connection(sni: "x.wild.com")) == "upper")
    }

    @Test func anEmptyServerNameIsNoCondition() {
        let chains = [chain("empty", FilterChainMatchPlan(serverNames: [""]))]
        #expect(chosen(chains, connection()) == "empty")
        #expect(chosen(chains, connection(sni: "a.com")) == "empty")
    }

    @Test func aServerNameMatchKeepsItsChainsWhenTheTransportFails() {
        let chains = [
            chain("a-tls", FilterChainMatchPlan(serverNames: ["a.com"], transportProtocol: "tls")),
            chain("raw", FilterChainMatchPlan(transportProtocol: "raw_buffer")),
        ]
        #expect(chosen(chains, connection(transport: "tls", sni: "a.com")) == "a-tls")
        #expect(chosen(chains, connection(transport: "raw_buffer", sni: "a.com")) == nil)
        #expect(chosen(chains, connection(transport: "raw_buffer")) == "raw")
    }

    @Test func snIPassthroughAndTermination() {
        // The shape of an Istio gateway: TLS terminated for one name, passed through for another, the rest closed.
        let chains = [
            chain("terminate", FilterChainMatchPlan(serverNames: ["www.example.com"], transportProtocol: "tls")),
            chain("passthrough", FilterChainMatchPlan(serverNames: ["*.db.example.com"])),
        ]
        #expect(chosen(chains, connection(transport: "tls", sni: "www.example.com")) == "terminate")
        #expect(chosen(chains, connection(transport: "tls", sni: "pg.db.example.com")) == "passthrough")
        #expect(chosen(chains, connection(transport: "tls", sni: "other.example.com")) == nil)
        #expect(chosen(chains, connection(transport: "raw_buffer")) == nil)
    }

    // MARK: Transport protocol

    @Test(arguments: [("tls", "tls"), ("raw_buffer", "raw"), ("quic", "any")])
    func theTransportProtocol(_ transport: String, _ expected: String) {
        let chains = [
            chain("any"),
            chain("tls", FilterChainMatchPlan(transportProtocol: "tls")),
            chain("raw", FilterChainMatchPlan(transportProtocol: "raw_buffer")),
        ]
        #expect(chosen(chains, connection(transport: transport)) == expected)
    }

    @Test func withoutTlsInspectorAConnectionIsRawBuffer() {
        let chains = [chain("tls", FilterChainMatchPlan(transportProtocol: "tls")), chain("any")]
        let facts = ConnectionFacts(
            destinationAddress: ip("10.0.0.1"),
            destinationPort: 1,
            sourceAddress: ip("10.0.0.2"),
            sourcePort: 2
        )
        #expect(facts.transportProtocol == "raw_buffer")
        #expect(chosen(chains, facts) == "any")
    }

    // MARK: Application protocols

    @Test(arguments: [
        (["http/1.1", "h2"], "http/1.1"), (["h2", "http/1.1"], "h2"), (["h2"], "h2"), (["h3"], "none"),
        ([String](), "none"), (["h3", "http/1.1"], "http/1.1"),
    ])
    func theClientsFirstProtocolThatAChainNamesWins(_ offered: [String], _ expected: String) {
        let chains = [
            chain("none"),
            chain("h2", FilterChainMatchPlan(applicationProtocols: ["h2"])),
            chain("http/1.1", FilterChainMatchPlan(applicationProtocols: ["http/1.1", "http/1.0"])),
        ]
        #expect(chosen(chains, connection(transport: "tls", alpn: offered)) == expected)
    }

    // MARK: Source type

    @Test(arguments: [
        ("127.0.0.1", "10.0.0.1", "local"), ("::1", "::1", "local"), ("10.0.0.1", "10.0.0.1", "local"),
        ("127.0.0.2", "10.0.0.1", "external"), ("10.0.0.2", "10.0.0.1", "external"),
        ("::ffff:127.0.0.1", "10.0.0.1", "external"),
    ])
    func sameIPOrLoopbackIsEnvoys(_ source: String, _ destination: String, _ expected: String) {
        let chains = [
            chain("any"),
            chain("local", FilterChainMatchPlan(sourceType: .sameIPOrLoopback)),
            chain("external", FilterChainMatchPlan(sourceType: .external)),
        ]
        #expect(chosen(chains, connection(to: destination, from: source)) == expected)
    }

    @Test func aSourceTypeWithoutChainsFallsToAny() {
        let local = [chain("any"), chain("local", FilterChainMatchPlan(sourceType: .sameIPOrLoopback))]
        #expect(chosen(local, connection(from: "127.0.0.1")) == "local")
        #expect(chosen(local, connection(from: "192.0.2.1")) == "any")
        let external = [chain("any"), chain("external", FilterChainMatchPlan(sourceType: .external))]
        #expect(chosen(external, connection(from: "127.0.0.1")) == "any")
        #expect(chosen(external, connection(from: "192.0.2.1")) == "external")
        #expect(
            chosen([chain("external", FilterChainMatchPlan(sourceType: .external))], connection(from: "127.0.0.1"))
                == nil
        )
    }

    // MARK: Source IP and port

    @Test(arguments: [
        ("192.168.1.1", "192.168.1/24"), ("192.168.2.1", "192.168/16"), ("172.16.0.1", "any"),
        ("fd00::1", "fd00::/8"), ("fe80::1", "any"),
    ])
    func theLongestSourcePrefixWins(_ source: String, _ expected: String) {
        let chains = [
            chain("any"),
            chain("192.168/16", FilterChainMatchPlan(sourcePrefixRanges: [cidr("192.168.0.0/16")])),
            chain("192.168.1/24", FilterChainMatchPlan(sourcePrefixRanges: [cidr("192.168.1.0/24")])),
            chain("fd00::/8", FilterChainMatchPlan(sourcePrefixRanges: [cidr("fd00::/8")])),
        ]
        #expect(chosen(chains, connection(from: source)) == expected)
    }

    @Test(arguments: [(1234, "1234"), (5678, "1234"), (80, "any"), (50000, "any")])
    func theSourcePort(_ port: Int, _ expected: String) {
        let chains = [chain("any"), chain("1234", FilterChainMatchPlan(sourcePorts: [1234, 5678]))]
        #expect(chosen(chains, connection(sourcePort: port)) == expected)
    }

    @Test func aSourcePrefixKeepsItsChainsWhenThePortFails() {
        let chains = [
            chain("any"),
            chain("lan-1234", FilterChainMatchPlan(sourcePrefixRanges: [cidr("10.0.0.0/8")], sourcePorts: [1234])),
        ]
        #expect(chosen(chains, connection(from: "10.1.1.1", sourcePort: 1234)) == "lan-1234")
        #expect(chosen(chains, connection(from: "10.1.1.1", sourcePort: 80)) == nil)
        #expect(chosen(chains, connection(from: "11.1.1.1", sourcePort: 80)) == "any")
    }

    // MARK: The order of the criteria

    @Test func earlierCriteriaDecideFirst() {
        // Destination IP before server name.
        let ipFirst = [
            chain("10/8", FilterChainMatchPlan(prefixRanges: [cidr("10.0.0.0/8")])),
            chain("a.com", FilterChainMatchPlan(serverNames: ["a.com"])),
        ]
        #expect(chosen(ipFirst, connection(to: "10.0.0.1", sni: "a.com")) == "10/8")
        #expect(chosen(ipFirst, connection(to: "192.0.2.1", sni: "a.com")) == "a.com")
        // Server name before transport protocol.
        let nameFirst = [
            chain("tls", FilterChainMatchPlan(transportProtocol: "tls")),
            chain("a.com", FilterChainMatchPlan(serverNames: ["a.com"])),
        ]
        #expect(chosen(nameFirst, connection(transport: "tls", sni: "a.com")) == "a.com")
        #expect(chosen(nameFirst, connection(transport: "tls", sni: "b.com")) == "tls")
        // Transport protocol before ALPN.
        let transportFirst = [
            chain("h2", FilterChainMatchPlan(applicationProtocols: ["h2"])),
            chain("tls", FilterChainMatchPlan(transportProtocol: "tls")),
        ]
        #expect(chosen(transportFirst, connection(transport: "tls", alpn: ["h2"])) == "tls")
        #expect(chosen(transportFirst, connection(transport: "raw_buffer", alpn: ["h2"])) == "h2")
        // ALPN before source type.
        let alpnFirst = [
            chain("local", FilterChainMatchPlan(sourceType: .sameIPOrLoopback)),
            chain("h2", FilterChainMatchPlan(applicationProtocols: ["h2"])),
        ]
        #expect(chosen(alpnFirst, connection(from: "127.0.0.1", alpn: ["h2"])) == "h2")
        #expect(chosen(alpnFirst, connection(from: "127.0.0.1", alpn: ["http/1.1"])) == "local")
        // Source type before source IP, source IP before source port.
        let typeFirst = [
            chain("lan", FilterChainMatchPlan(sourcePrefixRanges: [cidr("127.0.0.0/8")])),
            chain("local", FilterChainMatchPlan(sourceType: .sameIPOrLoopback)),
            chain("port", FilterChainMatchPlan(sourcePorts: [9])),
        ]
        #expect(chosen(typeFirst, connection(from: "127.0.0.1", sourcePort: 9)) == "local")
        #expect(chosen(typeFirst, connection(from: "127.0.0.2", sourcePort: 9)) == "lan")
        #expect(chosen(typeFirst, connection(from: "10.0.0.9", sourcePort: 9)) == "port")
    }

    @Test func everyCriterionAtOnce() {
        let full = FilterChainMatchPlan(
            destinationPort: 443,
            prefixRanges: [cidr("10.0.0.0/8")],
            serverNames: ["*.example.com"],
            transportProtocol: "tls",
            applicationProtocols: ["h2"],
            sourceType: .external,
            sourcePrefixRanges: [cidr("192.0.2.0/24")],
            sourcePorts: [40000]
        )
        let chains = [chain("full", full), chain("any")]
        let fits = connection(
            to: "10.9.9.9",
            port: 443,
            from: "192.0.2.5",
            sourcePort: 40000,
            transport: "tls",
            sni: "a.example.com",
            alpn: ["h2"]
        )
        #expect(chosen(chains, fits) == "full")
        var other = fits
        other.destinationPort = 444
        #expect(chosen(chains, other) == "any")
        for change in [
            { $0.destinationAddress = ip("11.0.0.1") },
            { $0.sourcePort = 1 },
            { $0.serverName = "example.com" },
            { $0.transportProtocol = "raw_buffer" },
            { $0.applicationProtocols = ["http/1.1"] },
            { $0.sourceAddress = ip("10.9.9.9") },
            { $0.sourceAddress = ip("198.51.100.1") },
        ] as [(inout ConnectionFacts) -> Void] {
            var facts = fits
            change(&facts)
            #expect(chosen(chains, facts) == nil, "\(facts)")
        }
    }
}
