/// An HTTP/1.1 request target (RFC 9112 §3.2) as Envoy reads it before routing.
///
/// A client that talks to a gateway as to a forward proxy (`curl -x`) sends the absolute form,
/// `GET http://host:port/path`. Envoy routes such a request as the origin-form request it stands for: the URL's
/// authority (without user information) becomes the host and its path and query the path — so it reaches only the
/// clusters the routes name, never the host in the URL. A scheme other than `http` or `https`, or an empty authority,
/// is a bad request (measured against Envoy 1.40: `ftp://…` and `http:///x` are answered `400`).
enum HTTPRequestTarget: Equatable {
    /// `/path`, `*`, or a CONNECT's `host:port`: routed as it is.
    case asReceived
    /// The absolute form, rewritten.
    case absolute(authority: String, path: String)
    /// Neither: answered `400`.
    case invalid

    init(uri: String, isConnect: Bool) {
        guard !isConnect, !uri.hasPrefix("/"), uri != "*" else {
            self = .asReceived
            return
        }
        guard let separator = uri.firstRange(of: "://") else {
            self = .invalid
            return
        }
        let scheme = uri[..<separator.lowerBound].lowercased()
        let rest = uri[separator.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        guard scheme == "http" || scheme == "https", !authority.isEmpty else {
            self = .invalid
            return
        }
        let path = rest[authorityEnd...]
        self = .absolute(authority: String(authority), path: path.isEmpty ? "/" : String(path))
    }
}
