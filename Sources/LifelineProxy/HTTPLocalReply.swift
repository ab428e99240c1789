import NIOCore
import NIOHTTP1

/// Envoy's response flags, as its access log prints them.
enum HTTPResponseFlag: String, Sendable {
    /// `NR`: no route for the request.
    case noRoute = "NR"
    /// `NC`: the route's cluster does not exist.
    case noCluster = "NC"
    /// `UF`: the upstream connect failed.
    case upstreamConnectionFailure = "UF"
    /// `UH`: no healthy upstream.
    case noHealthyUpstream = "UH"
    /// `UC`: the upstream connection was closed (reset) before the response ended.
    case upstreamConnectionTermination = "UC"
    /// `UT`: the route `timeout` elapsed.
    case upstreamRequestTimeout = "UT"
    /// `UO`: the pool would not take the request (closing).
    case upstreamOverflow = "UO"
    /// `DC`: the downstream went away before the response ended.
    case downstreamConnectionTermination = "DC"
    /// `SI`: `stream_idle_timeout`.
    case streamIdleTimeout = "SI"
    /// `DT`: the route's `max_stream_duration` (or the request's `grpc-timeout`) elapsed.
    case durationTimeout = "DT"
    /// `DPE`: the downstream request broke HTTP's rules.
    case downstreamProtocolError = "DPE"
    /// `UPE`: the upstream's HTTP/1.1 response broke off inside its body (Envoy's codec reads the early end of the
    /// connection as a protocol error).
    case upstreamProtocolError = "UPE"
}

/// A response the gateway makes itself, as Envoy's `sendLocalReply`: a status and a plain-text body; for a gRPC
/// request a trailers-only response with `grpc-status` and `grpc-message` instead.
struct HTTPLocalReply: Equatable {
    var status: HTTPResponseStatus
    var body: [UInt8]
    var flag: HTTPResponseFlag?
    /// Extra response headers (a redirect's `location`).
    var headers: [(String, String)] = []
    /// Sent with `content-type: text/plain` (Envoy's local replies) — not a configured direct response.
    var plainText = true
    /// The `grpc-status` of the gRPC form when it is not the HTTP status's mapping.
    var grpcStatus: Int?

    static func == (lhs: HTTPLocalReply, rhs: HTTPLocalReply) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.flag == rhs.flag
            && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 }) && lhs.plainText == rhs.plainText
            && lhs.grpcStatus == rhs.grpcStatus
    }

    init(
        status: HTTPResponseStatus,
        body: String,
        flag: HTTPResponseFlag?,
        headers: [(String, String)] = [],
        plainText: Bool = true
    ) {
        self.status = status
        self.body = Array(body.utf8)
        self.flag = flag
        self.headers = headers
        self.plainText = plainText
    }

    init(status: HTTPResponseStatus, bytes: [UInt8], flag: HTTPResponseFlag?, plainText: Bool) {
        self.status = status
        self.body = bytes
        self.flag = flag
        self.plainText = plainText
    }

    // Envoy's texts, so that clients and tests that look for them find them.
    static let noRoute = HTTPLocalReply(status: .notFound, body: "", flag: .noRoute)
    static let noCluster = HTTPLocalReply(status: .serviceUnavailable, body: "", flag: .noCluster)
    /// The endpoint refused (or reset) the connect: Envoy's `RemoteConnectionFailure`.
    static let connectFailure = HTTPLocalReply(
        status: .serviceUnavailable,
        body: "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure",
        flag: .upstreamConnectionFailure
    )
    /// No answer to the connect within the cluster's `connect_timeout`: Envoy's `ConnectionTimeout`.
    static let connectTimeout = HTTPLocalReply(
        status: .serviceUnavailable,
        body: "upstream connect error or disconnect/reset before headers. reset reason: connection timeout",
        flag: .upstreamConnectionFailure
    )
    static let connectionTermination = HTTPLocalReply(
        status: .serviceUnavailable,
        body: "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        flag: .upstreamConnectionTermination
    )
    static let noHealthyUpstream = HTTPLocalReply(
        status: .serviceUnavailable,
        body: "no healthy upstream",
        flag: .noHealthyUpstream
    )
    static let overflow = HTTPLocalReply(
        status: .serviceUnavailable,
        body: "upstream connect error or disconnect/reset before headers. reset reason: overflow",
        flag: .upstreamOverflow
    )
    static let upstreamTimeout = HTTPLocalReply(
        status: .gatewayTimeout,
        body: "upstream request timeout",
        flag: .upstreamRequestTimeout
    )
    /// Envoy's `onStreamMaxDurationReached`: 504 once the request is complete, 408 before; gRPC's
    /// `DEADLINE_EXCEEDED`.
    static func durationTimeout(requestComplete: Bool) -> HTTPLocalReply {
        var reply = HTTPLocalReply(
            status: requestComplete ? .gatewayTimeout : .requestTimeout,
            body: "downstream duration timeout",
            flag: .durationTimeout
        )
        reply.grpcStatus = 4
        return reply
    }
    /// For gRPC, `UNAVAILABLE` rather than the mapping's `UNKNOWN` for 408: what Envoy 1.40 answers (measured by the
    /// conformance suite's route `idle_timeout` case).
    static let streamIdleTimeout: HTTPLocalReply = {
        var reply = HTTPLocalReply(status: .requestTimeout, body: "stream timeout", flag: .streamIdleTimeout)
        reply.grpcStatus = 14
        return reply
    }()
    static let requestHeadersTooLarge = HTTPLocalReply(
        status: .requestHeaderFieldsTooLarge,
        body: "",
        flag: .downstreamProtocolError
    )
    /// An absolute-form request target that is not an `http` or `https` URL with an authority.
    static let invalidRequestTarget = HTTPLocalReply(
        status: .badRequest,
        body: "Bad Request",
        flag: .downstreamProtocolError
    )
    static let upgradeRequired = HTTPLocalReply(status: .upgradeRequired, body: "", flag: .downstreamProtocolError)
    static let requestTimeout = HTTPLocalReply(status: .requestTimeout, body: "request timeout", flag: nil)
    static let headersWithUnderscores = HTTPLocalReply(
        status: .badRequest,
        body: "",
        flag: .downstreamProtocolError
    )

    /// The reply for a failure of the pool.
    static func forFailure(_ failure: HTTPUpstreamFailure) -> HTTPLocalReply {
        switch failure {
        case .connectFailure: .connectFailure
        case .connectTimeout: .connectTimeout
        case .noHealthyUpstream: .noHealthyUpstream
        case .poolClosed, .overflow: .overflow
        }
    }

    /// Envoy's `Grpc::Utility::httpToGrpcStatus`.
    static func grpcStatus(forHTTP status: Int) -> Int {
        switch status {
        case 400: 13  // INTERNAL
        case 401: 16  // UNAUTHENTICATED
        case 403: 7  // PERMISSION_DENIED
        case 404: 12  // UNIMPLEMENTED
        case 429, 502, 503, 504: 14  // UNAVAILABLE
        default: 2  // UNKNOWN
        }
    }

    /// Whether a request is gRPC, as Envoy's `Grpc::Common::isGrpcRequestHeaders`: `content-type` is
    /// `application/grpc` or starts with `application/grpc+` (or `;`).
    static func isGrpc(_ headers: HTTPHeaders) -> Bool {
        guard let type = headers.first(name: "content-type")?.lowercased() else { return false }
        return type == "application/grpc" || type.hasPrefix("application/grpc+") || type.hasPrefix("application/grpc;")
    }

    /// The head and body to send: the plain reply, or its gRPC trailers-only form (`:status 200` and the gRPC status
    /// in the headers, no body).
    func response(version: HTTPVersion, grpc: Bool, close: Bool) -> (HTTPResponseHead, ByteBuffer?) {
        var headers = HTTPHeaders()
        if grpc {
            headers.add(name: "content-type", value: "application/grpc")
            headers.add(name: "grpc-status", value: "\(grpcStatus ?? Self.grpcStatus(forHTTP: Int(status.code)))")
            if !body.isEmpty {
                headers.add(name: "grpc-message", value: Self.percentEncodedGrpcMessage(body))
            }
            headers.add(name: "content-length", value: "0")
            if close { headers.add(name: "connection", value: "close") }
            return (HTTPResponseHead(version: version, status: .ok, headers: headers), nil)
        }
        for (name, value) in self.headers {
            headers.add(name: name, value: value)
        }
        if !body.isEmpty && plainText {
            headers.add(name: "content-type", value: "text/plain")
        }
        headers.add(name: "content-length", value: "\(body.count)")
        if close { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: status, headers: headers)
        return (head, body.isEmpty ? nil : ByteBuffer(bytes: body))
    }

    /// gRPC's `grpc-message` encoding: printable ASCII except `%` as is, every other byte `%XX`.
    static func percentEncodedGrpcMessage(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return text
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
