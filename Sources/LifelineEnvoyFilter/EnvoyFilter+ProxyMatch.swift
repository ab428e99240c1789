extension EnvoyFilter {
    /// `EnvoyFilter.ProxyMatch`: which proxies a patch is meant for, by the Istio version and node metadata they
    /// present. Lifeline presents those of ``GatewayIdentity``; a patch whose proxy match fails is not selected, as in
    /// istiod, which is never an error.
    public struct ProxyMatch: Sendable {
        /// `proxyVersion`: a regular expression (RE2 in istiod) that must match somewhere in the proxy's Istio version.
        /// istiod uses Go's `regexp.MatchString`, which is not anchored: `1\.28` matches `1.28.0`, and so does `^1\.2`.
        /// `nil` (or `""` in the file) matches any version.
        public var proxyVersion: String?
        /// `metadata`: every key must be in the proxy's node metadata with exactly this value.
        public var metadata: [String: String]

        public init(proxyVersion: String? = nil, metadata: [String: String] = [:]) {
            self.proxyVersion = proxyVersion
            self.metadata = metadata
        }
    }
}
