import Logging
import NIOCore
import NIOHTTP1

/// The access log: one line per request in the spirit of Envoy's default format,
/// `[START_TIME] "METHOD PATH PROTOCOL" RESPONSE_CODE RESPONSE_FLAGS BYTES_RECEIVED BYTES_SENT DURATION "X-FORWARDED-FOR"
/// "USER-AGENT" "X-REQUEST-ID" "AUTHORITY" "UPSTREAM_HOST"`, where `-` stands for what is not known.
enum HTTPAccessLog {
    /// Logs the line at `info`, its fields also as metadata (which `--log-format json` writes as fields), with the
    /// client's address as the connection knows it (a PROXY header's, else the socket's peer).
    static func write(
        stream: HTTPActiveStream,
        codec: HTTPStreamHandler.Codec,
        downstream: SocketAddress? = nil,
        to logger: Logger
    ) {
        guard logger.logLevel <= .info else { return }
        let head = stream.head
        logger.info(
            "\(line(stream: stream, codec: codec))",
            metadata: [
                "access.kind": "http",
                "method": "\(head.method.rawValue)",
                "path": "\(head.uri)",
                "protocol": "\(codec.rawValue)",
                "response_code": "\(stream.status ?? 0)",
                "response_flags": "\(stream.flags.isEmpty ? "-" : stream.flags.map(\.rawValue).joined(separator: ","))",
                "bytes_received": "\(stream.bytesReceived)",
                "bytes_sent": "\(stream.bytesSent)",
                "upstream.host": "\(stream.upstreamHost.map(HTTPHeaderRules.addressText) ?? "-")",
                "request_id": "\(head.headers.first(name: "x-request-id") ?? "-")",
                "downstream.remote_address": "\(downstream.map(HTTPHeaderRules.addressText) ?? "-")",
            ]
        )
    }

    static func line(stream: HTTPActiveStream, codec: HTTPStreamHandler.Codec) -> String {
        let head = stream.head
        let duration = (ContinuousClock.now - stream.startTime).components
        let milliseconds = duration.seconds * 1000 + duration.attoseconds / 1_000_000_000_000_000
        let flags = stream.flags.isEmpty ? "-" : stream.flags.map(\.rawValue).joined(separator: ",")
        func quoted(_ name: String) -> String {
            "\"\(head.headers.first(name: name) ?? "-")\""
        }
        let upstream = stream.upstreamHost.map(HTTPHeaderRules.addressText) ?? "-"
        return
            "[\(LogTimestamp.now())] \"\(head.method.rawValue) \(head.uri) \(codec.rawValue)\" \(stream.status ?? 0) "
            + "\(flags) \(stream.bytesReceived) \(stream.bytesSent) \(milliseconds) \(quoted("x-forwarded-for")) "
            + "\(quoted("user-agent")) \(quoted("x-request-id")) \(quoted("host")) \"\(upstream)\""
    }
}
