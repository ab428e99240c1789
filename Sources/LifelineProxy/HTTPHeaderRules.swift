import LifelinePlan
import NIOCore
import NIOHTTP1

/// Envoy's header rules for a proxied request and its response: hop-by-hop headers removed, `x-forwarded-*`,
/// `x-request-id`, the route's rewrites and the configured header mutations (route, virtual host, route
/// configuration, in Envoy's order).
enum HTTPHeaderRules {
    /// Connection-specific headers that never travel to the other side (RFC 9110 §7.6.1, and Envoy's list).
    /// `transfer-encoding` is re-framed by the encoder on the other side; `te` survives as `trailers` only.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
    ]

    /// What the rules need to know of the downstream side.
    struct Downstream {
        /// `https` when TLS was terminated, else `http`.
        var scheme: String
        /// The peer's address.
        var remoteAddress: SocketAddress?
        var localAddress: SocketAddress?
        /// `HTTP/1.1` or `HTTP/2`, for `%PROTOCOL%`.
        var protocolName: String
    }

    /// Removes the connection's own headers (and those `connection` names), keeping `te: trailers` and the body's
    /// chunked framing (which the upstream encoder needs to know about).
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        let named = headers[canonicalForm: "connection"].map { $0.lowercased() }
        let chunked = headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
        let trailers = headers[canonicalForm: "te"].contains { $0.lowercased() == "trailers" }
        for name in hopByHop.union(named) where name != "host" {
            headers.remove(name: name)
        }
        if chunked && !headers.contains(name: "content-length") {
            headers.add(name: "transfer-encoding", value: "chunked")
        }
        if trailers {
            headers.add(name: "te", value: "trailers")
        }
    }

    /// The hop-by-hop headers of a response removed; its framing is the downstream encoder's business.
    static func removeHopByHopFromResponse(_ headers: inout HTTPHeaders) {
        let named = headers[canonicalForm: "connection"].map { $0.lowercased() }
        for name in hopByHop.union(named) {
            headers.remove(name: name)
        }
    }

    /// A request's header list size as HTTP/2 counts it (RFC 9113 6.5.2: each field's name and value octets plus
    /// 32), with the pseudo-headers the HTTP/1-style codec folded into the head.
    static func listSize(_ head: HTTPRequestHead) -> Int {
        var size =
            ":method".utf8.count + head.method.rawValue.utf8.count + ":path".utf8.count + head.uri.utf8.count + 64
        for (name, value) in head.headers {
            size += name.utf8.count + value.utf8.count + 32
        }
        return size
    }

    /// Whether a header name contains an underscore (`headers_with_underscores_action`).
    static func underscoredNames(_ headers: HTTPHeaders) -> [String] {
        headers.compactMap { $0.name.contains("_") ? $0.name : nil }
    }

    /// `x-forwarded-proto`, `x-forwarded-for` (with `use_remote_address`) and `x-request-id`.
    static func addForwardingHeaders(
        _ headers: inout HTTPHeaders,
        downstream: Downstream,
        useRemoteAddress: Bool,
        requestID: () -> String
    ) {
        if useRemoteAddress || !headers.contains(name: "x-forwarded-proto") {
            headers.replaceOrAdd(name: "x-forwarded-proto", value: downstream.scheme)
        }
        if useRemoteAddress, let peer = downstream.remoteAddress?.ipAddress {
            if let existing = headers.first(name: "x-forwarded-for"), !existing.isEmpty {
                headers.replaceOrAdd(name: "x-forwarded-for", value: existing + ", " + peer)
            } else {
                headers.replaceOrAdd(name: "x-forwarded-for", value: peer)
            }
        }
        if !headers.contains(name: "x-request-id") {
            headers.add(name: "x-request-id", value: requestID())
        }
    }

    /// Applies header mutations, most specific level first as Envoy does (a less specific level's overwrite wins).
    static func apply(
        _ levels: [HeaderMutationPlan],
        toRequest headers: inout HTTPHeaders,
        downstream: Downstream
    ) {
        for level in levels {
            for name in level.requestHeadersToRemove where !name.hasPrefix(":") && name != "host" {
                headers.remove(name: name)
            }
            for option in level.requestHeadersToAdd {
                add(option, to: &headers, downstream: downstream)
            }
        }
    }

    static func apply(
        _ levels: [HeaderMutationPlan],
        toResponse headers: inout HTTPHeaders,
        downstream: Downstream
    ) {
        for level in levels {
            for name in level.responseHeadersToRemove where !name.hasPrefix(":") {
                headers.remove(name: name)
            }
            for option in level.responseHeadersToAdd {
                add(option, to: &headers, downstream: downstream)
            }
        }
    }

    private static func add(_ option: HeaderValueOptionPlan, to headers: inout HTTPHeaders, downstream: Downstream) {
        let value = substitute(option.value, downstream: downstream)
        if value.isEmpty && !option.keepEmptyValue { return }
        let name = option.name == ":authority" ? "host" : option.name
        switch option.appendAction {
        case .appendIfExistsOrAdd:
            headers.add(name: name, value: value)
        case .addIfAbsent:
            if !headers.contains(name: name) { headers.add(name: name, value: value) }
        case .overwriteIfExistsOrAdd:
            headers.replaceOrAdd(name: name, value: value)
        case .overwriteIfExists:
            if headers.contains(name: name) { headers.replaceOrAdd(name: name, value: value) }
        }
    }

    /// The command operators Lifeline knows in a header value; others stay as written.
    static func substitute(_ value: String, downstream: Downstream) -> String {
        guard value.contains("%") else { return value }
        var result = value
        let operators: [(String, String)] = [
            ("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", downstream.remoteAddress?.ipAddress ?? ""),
            ("%DOWNSTREAM_REMOTE_ADDRESS%", downstream.remoteAddress.map(addressText) ?? ""),
            ("%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", downstream.localAddress?.ipAddress ?? ""),
            ("%DOWNSTREAM_LOCAL_ADDRESS%", downstream.localAddress.map(addressText) ?? ""),
            ("%PROTOCOL%", downstream.protocolName),
        ]
        for (name, replacement) in operators {
            result = result.replacing(name, with: replacement)
        }
        return result.replacing("%%", with: "%")
    }

    /// `ip:port`, IPv6 in brackets.
    static func addressText(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }

    /// The path with the route's `prefix_rewrite` applied: the matched prefix (for a `path` match, the whole path;
    /// for a regex, the whole path) replaced, the query kept.
    static func rewrite(path: String, match: RouteMatchPlan.PathMatch, prefixRewrite: String) -> String {
        let (bare, query) = splitQuery(path)
        let rest: Substring
        switch match {
        case .prefix(let prefix):
            rest = bare.count >= prefix.count ? bare.dropFirst(prefix.count) : ""
        case .path, .regex:
            rest = ""
        }
        return prefixRewrite + rest + (query.map { "?" + $0 } ?? "")
    }

    static func splitQuery(_ path: String) -> (path: String, query: String?) {
        guard let mark = path.firstIndex(of: "?") else { return (path, nil) }
        return (String(path[..<mark]), String(path[path.index(after: mark)...]))
    }

    /// The `location` of a redirect, built as Envoy's `newUri`: each part the redirect names replaced, the rest
    /// from the request.
    static func redirectLocation(
        _ redirect: RedirectPlan,
        match: RouteMatchPlan.PathMatch,
        scheme requestScheme: String,
        authority: String,
        path: String
    ) -> String {
        let scheme = redirect.scheme ?? requestScheme
        var (host, port) = splitAuthority(authority)
        if let newHost = redirect.host {
            let (redirectHost, redirectPort) = splitAuthority(newHost)
            host = redirectHost
            port = redirectPort ?? port
        }
        if let newPort = redirect.port {
            port = newPort == 0 ? nil : "\(newPort)"
        } else if redirect.scheme != nil && redirect.scheme != requestScheme, let current = port,
            current == (requestScheme == "https" ? "443" : "80") || current == (scheme == "https" ? "443" : "80")
        {
            // The scheme changed and the port was the old one's default: the new scheme's default is meant.
            port = nil
        }
        let (bare, query) = splitQuery(path)
        var newPath: String
        var newQuery = query
        if let whole = redirect.path {
            let (redirectPath, redirectQuery) = splitQuery(whole)
            newPath = redirectPath
            if redirectQuery != nil { newQuery = redirectQuery }
        } else if let prefixRewrite = redirect.prefixRewrite {
            newPath = splitQuery(rewrite(path: bare, match: match, prefixRewrite: prefixRewrite)).path
        } else {
            newPath = bare
        }
        if newPath.isEmpty { newPath = "/" }
        if redirect.stripQuery { newQuery = nil }
        let hostPart = port.map { "\(host):\($0)" } ?? host
        return "\(scheme)://\(hostPart)\(newPath)\(newQuery.map { "?" + $0 } ?? "")"
    }

    /// Host and port of an authority (`[v6]:port` aware).
    static func splitAuthority(_ authority: String) -> (host: String, port: String?) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[...close])
            let rest = authority[authority.index(after: close)...]
            return (host, rest.hasPrefix(":") ? String(rest.dropFirst()) : nil)
        }
        guard let colon = authority.lastIndex(of: ":") else { return (authority, nil) }
        return (String(authority[..<colon]), String(authority[authority.index(after: colon)...]))
    }

    /// A random (version 4) UUID, lower-case, as Envoy's request ids: two 64-bit draws from the system's generator
    /// and one 36-byte string (per request, so no per-byte draws or strings).
    static func requestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = (generator.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ word: UInt64, nibbles: Range<Int>) {
                for nibble in nibbles {
                    let value = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * nibble)) & 0xF
                    buffer[index] = value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
                    index += 1
                }
            }
            func dash() {
                buffer[index] = UInt8(ascii: "-")
                index += 1
            }
            put(high, nibbles: 0..<8)
            dash()
            put(high, nibbles: 8..<12)
            dash()
            put(high, nibbles: 12..<16)
            dash()
            put(low, nibbles: 0..<4)
            dash()
            put(low, nibbles: 4..<16)
            return index
        }
    }
}
