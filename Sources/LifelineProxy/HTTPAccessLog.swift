import Logging
import NIOCore
import NIOHTTP1

/// The access log: one line per request in the spirit of Envoy's default format,
/// `[START_TIME] "METHOD PATH PROTOCOL" RESPONSE_CODE RESPONSE_FLAGS BYTES_RECEIVED BYTES_SENT DURATION "X-FORWARDED-FOR"
/// "USER-AGENT" "X-REQUEST-ID" "AUTHORITY" "UPSTREAM_HOST"`, where `-` stands for what is not known.
enum HTTPAccessLog {
    static func write(stream: HTTPActiveStream, codec: HTTPStreamHandler.Codec, to logger: Logger) {
        guard logger.logLevel <= .info else { return }
        logger.info("\(line(stream: stream, codec: codec))")
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
