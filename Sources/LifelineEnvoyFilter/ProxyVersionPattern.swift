/// `match.proxy.proxyVersion` as istiod reads it: a regular expression searched for anywhere in the proxy's Istio
/// version (Go's `regexp.MatchString`, not anchored). Swift's `Regex` stands in for RE2; the two agree on the syntax
/// version patterns use (`^1\.28.*`, `1\.2[0-9]`, alternations).
enum ProxyVersionPattern {
    /// Why `pattern` is not a regular expression; `nil` when it is one.
    static func problem(_ pattern: String) -> String? {
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Whether `pattern` matches somewhere in `version`. An invalid pattern matches (its error is reported
    /// elsewhere); an empty version matches nothing, as istiod treats a proxy that reports none.
    static func matches(_ pattern: String, version: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return true }
        guard !version.isEmpty else { return false }
        return (try? regex.matchingSemantics(.unicodeScalar).firstMatch(in: version)) != nil
    }
}
