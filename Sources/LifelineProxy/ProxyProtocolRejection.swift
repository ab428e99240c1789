/// Why the PROXY protocol filter closed a connection instead of handing it on.
enum ProxyProtocolRejection: Sendable, Hashable {
    /// The header broke the format (`versions.v1.error`/`versions.v2.error`).
    case malformed(ProxyProtocolHeader.Version, reason: String)
    /// A well-formed header of a version in `disallowed_versions` (`versions.v1.disallowed`/`v2.disallowed`).
    case disallowed(ProxyProtocolHeader.Version)
    /// No header, and `allow_requests_without_proxy_protocol` is off (`not_found_disallowed`).
    case notFound
    /// `listener_filters_timeout` expired first (the listener's `downstream_pre_cx_timeout`).
    case timeout
    /// The client closed, or ended its input, first.
    case connectionClosed

    /// For log lines.
    var reason: String {
        switch self {
        case .malformed(let version, let reason): "malformed \(version.rawValue) header: \(reason)"
        case .disallowed(let version): "\(version.rawValue) is in disallowed_versions"
        case .notFound: "no PROXY protocol header"
        case .timeout: "listener_filters_timeout"
        case .connectionClosed: "connection closed"
        }
    }
}
