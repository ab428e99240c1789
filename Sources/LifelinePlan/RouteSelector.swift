import LifelineConfig

extension RouteConfigurationPlan {
    /// The route Envoy's router gives `request`: the virtual host by `domains` (see ``virtualHostIndex(for:)``), then
    /// its first route whose match holds (see ``RouteMatchPlan/matches(_:)``). Nil: no route (404).
    public func select(_ request: RouteRequest) -> RouteSelection? {
        guard let host = virtualHostIndex(for: request.authority) else { return nil }
        guard let route = virtualHosts[host].routes.firstIndex(where: { $0.match.matches(request) }) else {
            return nil
        }
        return RouteSelection(virtualHost: host, route: route)
    }

    /// The virtual host for a `Host`/`:authority`, as Envoy picks it: compared in lower case and whole, port
    /// included (`example.com` does not take `example.com:8080`; list the port, or a wildcard that covers it); an
    /// exact domain first, then the longest suffix wildcard (`*.example.com`, `*-api`), then the longest prefix
    /// wildcard (`api.*`, which does take `api.example.com:8080`), then `*`. A wildcard stands for at least one
    /// character: `*.example.com` does not take `.example.com`. With `ignore_port_in_host_matching` the port is
    /// dropped first (not from a bracketed IPv6 address without one).
    public func virtualHostIndex(for authority: String) -> Int? {
        var host = Array(ProtoJSONDialect.asciiLowercased(authority).utf8)
        if ignorePortInHostMatching, let colon = host.lastIndex(of: UInt8(ascii: ":")),
            host.lastIndex(of: UInt8(ascii: "]")).map({ $0 < colon }) ?? true
        {
            host.removeSubrange(colon...)
        }
        var suffixBest: (length: Int, index: Int)?
        var prefixBest: (length: Int, index: Int)?
        var fallback: Int?
        for (index, virtualHost) in virtualHosts.enumerated() {
            for domain in virtualHost.domains {
                let bytes = Array(domain.utf8)
                if domain == "*" {
                    fallback = fallback ?? index
                } else if bytes.first == UInt8(ascii: "*") {
                    let suffix = bytes.dropFirst()
                    if host.count > suffix.count, host.suffix(suffix.count).elementsEqual(suffix),
                        suffix.count > suffixBest?.length ?? -1
                    {
                        suffixBest = (suffix.count, index)
                    }
                } else if bytes.last == UInt8(ascii: "*") {
                    let prefix = bytes.dropLast()
                    if host.count > prefix.count, host.prefix(prefix.count).elementsEqual(prefix),
                        prefix.count > prefixBest?.length ?? -1
                    {
                        prefixBest = (prefix.count, index)
                    }
                } else if bytes == host {
                    return index
                }
            }
        }
        return suffixBest?.index ?? prefixBest?.index ?? fallback
    }
}

extension RouteMatchPlan {
    /// Whether a request satisfies this match, as Envoy's route entries decide: the path specifier against the path
    /// without its query string and fragment (`case_sensitive: false` compares ASCII letters in either case; a regex
    /// must match the whole path and is always case-sensitive), every header matcher, and with `grpc` a
    /// `content-type` of `application/grpc` or `application/grpc+…`.
    public func matches(_ request: RouteRequest) -> Bool {
        let path = Self.pathWithoutQuery(request.path)
        let pathMatches: Bool
        switch self.path {
        case .prefix(let prefix):
            pathMatches =
                caseSensitive
                ? path.utf8.starts(with: prefix.utf8)
                : Self.lowered(path).starts(with: Self.lowered(prefix))
        case .path(let whole):
            pathMatches =
                caseSensitive ? path.utf8.elementsEqual(whole.utf8) : Self.lowered(path) == Self.lowered(whole)
        case .regex(let pattern):
            pathMatches = Self.wholeMatch(pattern, path)
        }
        guard pathMatches else { return false }
        if grpc {
            let contentType = request.values(of: "content-type").first ?? ""
            let base = "application/grpc"
            guard contentType.utf8.starts(with: base.utf8) else { return false }
            let rest = contentType.utf8.dropFirst(base.utf8.count)
            guard rest.isEmpty || rest.first == UInt8(ascii: "+") else { return false }
        }
        return headers.allSatisfy { $0.matches(request) }
    }

    /// `/a/b?x=1#f` → `/a/b`.
    static func pathWithoutQuery(_ path: String) -> String {
        guard let end = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else {
            return path
        }
        return String(path[..<end])
    }

    static func lowered(_ text: String) -> [UInt8] {
        Array(ProtoJSONDialect.asciiLowercased(text).utf8)
    }

    /// Whether `pattern` matches all of `text`; a pattern Swift cannot compile (checked when the config was read)
    /// matches nothing.
    static func wholeMatch(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: text)) != nil
    }
}

extension HeaderMatcherPlan {
    /// Envoy's header matching: the values of every header with this name, joined with `,`. A missing header matches
    /// only `present_match: false` (or `present_match: true` inverted): `invert_match` does not make an absent
    /// header match a value matcher.
    public func matches(_ request: RouteRequest) -> Bool {
        let values = request.values(of: name)
        guard !values.isEmpty else {
            guard case .present(let present) = match else { return false }
            return invert ? present : !present
        }
        let value = values.joined(separator: ",")
        let matched: Bool
        func compare(_ expected: String, _ test: ([UInt8], [UInt8]) -> Bool) -> Bool {
            ignoreCase
                ? test(RouteMatchPlan.lowered(value), RouteMatchPlan.lowered(expected))
                : test(Array(value.utf8), Array(expected.utf8))
        }
        switch match {
        case .exact(let expected): matched = compare(expected) { $0 == $1 }
        case .prefix(let expected): matched = compare(expected) { $0.starts(with: $1) }
        case .suffix(let expected):
            matched = compare(expected) { $0.count >= $1.count && $0.suffix($1.count) == $1[...] }
        case .contains(let expected): matched = compare(expected) { Self.contains($0, $1) }
        case .regex(let pattern): matched = RouteMatchPlan.wholeMatch(pattern, value)
        case .present(let present): matched = present
        }
        return matched != invert
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count] == needle[...] {
            return true
        }
        return false
    }
}

extension RouteRequest {
    /// The values of a header, in order; `:authority`, `:path` and `:method` from the request's own fields when
    /// `headers` does not carry them.
    public func values(of name: String) -> [String] {
        let found = headers.filter { $0.name == name }.map(\.value)
        guard found.isEmpty else { return found }
        switch name {
        case ":authority": return [authority]
        case ":path": return [path]
        case ":method": return [method]
        default: return []
        }
    }
}

extension ForwardPlan {
    /// The sum of the clusters' weights.
    public var totalWeight: Int { clusters.reduce(0) { $0 + $1.weight } }

    /// The cluster a request goes to, given a random number, as Envoy picks it: `random % totalWeight` falls in one
    /// cluster's share of the weights laid end to end in config order. A cluster of weight 0 is never picked.
    public func clusterIndex(random: UInt64) -> Int {
        let total = UInt64(max(totalWeight, 1))
        var remaining = random % total
        for (index, cluster) in clusters.enumerated() {
            let weight = UInt64(cluster.weight)
            if remaining < weight { return index }
            remaining -= weight
        }
        return clusters.count - 1
    }
}
