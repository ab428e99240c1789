import LifelineConfig

/// Chooses the filter chain a connection is given to, as Envoy does (`FilterChainManagerImpl::findFilterChain`,
/// without `filter_chain_matcher`). Pure: it reads only the plan and the ``ConnectionFacts``.
///
/// The criteria are taken in Envoy's order: destination port, destination IP, server name, transport protocol,
/// application protocols, direct source IP, source type, source IP, source port. At each step the chains that constrain the criterion
/// and match the connection win, most specific first (the longest prefix, an exact server name before the longest
/// wildcard suffix), and the chains that do not constrain it are dropped; only when no constraining chain matches do
/// the unconstrained ones go on. There is no going back: when a later step leaves nothing, the connection gets the
/// `default_filter_chain`, or no chain (Envoy closes it, counting `no_filter_chain_match`).
///
/// Some consequences, all Envoy's:
/// - a chain with `destination_port: 443` takes every connection to port 443 from the chains without a port, even
///   when it then fails on a later criterion;
/// - `server_names` is compared with the SNI `tls_inspector` read; without it (or without SNI) only chains without
///   `server_names` are left. `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`;
/// - `application_protocols` is tried in the client's ALPN order: the first protocol some chain names wins;
/// - `SAME_IP_OR_LOOPBACK` is a peer at 127.0.0.1, ::1, or the connection's own local address.
public struct FilterChainSelector: Sendable {
    /// What a connection is given to.
    public enum Choice: Sendable, Hashable {
        /// `filter_chains[index]`.
        case chain(Int)
        /// `default_filter_chain`.
        case defaultChain
        /// Nothing: the connection is closed.
        case none
    }

    public let chains: [FilterChainPlan]
    public let defaultChain: FilterChainPlan?
    /// Each chain's `server_names` as Envoy files them: lower-cased, `*.example.com` as `.example.com`; `[""]` when
    /// the chain has none.
    private let serverNameKeys: [Set<String>]

    public init(chains: [FilterChainPlan], defaultChain: FilterChainPlan? = nil) {
        self.chains = chains
        self.defaultChain = defaultChain
        self.serverNameKeys = chains.map { chain in
            chain.match.serverNames.isEmpty
                ? [""] : Set(chain.match.serverNames.map(FilterChainMatchConfig.normalizedServerName))
        }
    }

    /// The selector of a listener's `filter_chains` and `default_filter_chain`.
    public init(_ listener: ListenerPlan) {
        self.init(chains: listener.filterChains, defaultChain: listener.defaultFilterChain)
    }

    /// The chain the connection is given to: one of `chains`, the default chain, or nil.
    public func select(_ facts: ConnectionFacts) -> FilterChainPlan? {
        switch choose(facts) {
        case .chain(let index): chains[index]
        case .defaultChain: defaultChain
        case .none: nil
        }
    }

    /// Which chain the connection is given to.
    public func choose(_ facts: ConnectionFacts) -> Choice {
        guard let index = matchingChain(facts) else { return defaultChain == nil ? .none : .defaultChain }
        return .chain(index)
    }

    /// The index of the chain whose match fits best; nil when none is left.
    private func matchingChain(_ facts: ConnectionFacts) -> Int? {
        var candidates = Array(chains.indices)
        let steps: [([Int]) -> [Int]] = [
            { exactOrAny($0, facts.destinationPort) { chains[$0].match.destinationPort } },
            { longestPrefix($0, facts.destinationAddress) { chains[$0].match.prefixRanges } },
            { serverName($0, facts.serverName) },
            { exactOrAny($0, facts.transportProtocol) { chains[$0].match.transportProtocol } },
            { applicationProtocol($0, facts.applicationProtocols) },
            { longestPrefix($0, facts.directSourceAddress) { chains[$0].match.directSourcePrefixRanges } },
            { sourceType($0, facts) },
            { longestPrefix($0, facts.sourceAddress) { chains[$0].match.sourcePrefixRanges } },
            { anyOf($0, facts.sourcePort) { chains[$0].match.sourcePorts } },
        ]
        for step in steps {
            candidates = step(candidates)
            if candidates.isEmpty { return nil }
        }
        // Envoy rejects overlapping chains when the config is read, so one is left; the first, should more be.
        return candidates.first
    }

    /// The candidates whose value is `value`; when none, those that place no condition (nil).
    private func exactOrAny<T: Equatable>(_ candidates: [Int], _ value: T, _ condition: (Int) -> T?) -> [Int] {
        let exact = candidates.filter { condition($0) == value }
        return exact.isEmpty ? candidates.filter { condition($0) == nil } : exact
    }

    /// The candidates whose list holds `value`; when none, those whose list is empty.
    private func anyOf<T: Equatable>(_ candidates: [Int], _ value: T, _ values: (Int) -> [T]) -> [Int] {
        let matching = candidates.filter { values($0).contains(value) }
        return matching.isEmpty ? candidates.filter { values($0).isEmpty } : matching
    }

    /// The candidates with the longest prefix holding `address`; no ranges is a prefix of length 0 that holds every
    /// address (Envoy's catch-all `0.0.0.0/0` and `::/0`).
    private func longestPrefix(_ candidates: [Int], _ address: [UInt8], _ ranges: (Int) -> [CIDRRange]) -> [Int] {
        var best = -1
        var winners: [Int] = []
        for index in candidates {
            let list = ranges(index)
            let length = list.isEmpty ? 0 : list.filter { $0.contains(address) }.map(\.prefixLength).max() ?? -1
            if length > best {
                best = length
                winners = [index]
            } else if length == best && length >= 0 {
                winners.append(index)
            }
        }
        return best < 0 ? [] : winners
    }

    /// Exact server name, then the longest wildcard suffix (`.b.example.com`, then `.example.com`, then `.com`),
    /// then the chains without `server_names`.
    private func serverName(_ candidates: [Int], _ serverName: String?) -> [Int] {
        let name = ProtoJSONDialect.asciiLowercased(serverName ?? "")
        func filed(under key: String) -> [Int] { candidates.filter { serverNameKeys[$0].contains(key) } }
        let exact = filed(under: name)
        if !exact.isEmpty { return exact }
        let characters = Array(name.utf8)
        var position = 1
        while position < characters.count - 1 {
            if characters[position] == UInt8(ascii: ".") {
                let wildcard = filed(under: String(decoding: characters[position...], as: UTF8.self))
                if !wildcard.isEmpty { return wildcard }
            }
            position += 1
        }
        return filed(under: "")
    }

    /// The first of the client's ALPN protocols that some candidate names; when none, the candidates without
    /// `application_protocols`.
    private func applicationProtocol(_ candidates: [Int], _ offered: [String]) -> [Int] {
        for protocolName in offered {
            let matching = candidates.filter { chains[$0].match.applicationProtocols.contains(protocolName) }
            if !matching.isEmpty { return matching }
        }
        return candidates.filter { chains[$0].match.applicationProtocols.isEmpty }
    }

    /// `SAME_IP_OR_LOOPBACK` chains for a local peer, `EXTERNAL` ones for another, when there are any; else `ANY`.
    private func sourceType(_ candidates: [Int], _ facts: ConnectionFacts) -> [Int] {
        let wanted: FilterChainMatchPlan.SourceType = facts.isSameIPOrLoopback ? .sameIPOrLoopback : .external
        let specific = candidates.filter { chains[$0].match.sourceType == wanted }
        return specific.isEmpty ? candidates.filter { chains[$0].match.sourceType == .any } : specific
    }
}

extension ConnectionFacts {
    /// Envoy's `isSameIpOrLoopback`: the peer is 127.0.0.1 or ::1 (those addresses exactly, not all of 127/8), or
    /// the peer's address is the connection's own local address.
    public var isSameIPOrLoopback: Bool {
        sourceAddress == [127, 0, 0, 1] || sourceAddress == [UInt8](repeating: 0, count: 15) + [1]
            || sourceAddress == destinationAddress
    }
}
