import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        return "[\(timestamp())] \"\(head.method.rawValue) \(head.uri) \(codec.rawValue)\" \(stream.status ?? 0) "
            + "\(flags) \(stream.bytesReceived) \(stream.bytesSent) \(milliseconds) \(quoted("x-forwarded-for")) "
            + "\(quoted("user-agent")) \(quoted("x-request-id")) \(quoted("host")) \"\(upstream)\""
    }

    /// Now in UTC, ISO 8601 with milliseconds, as Envoy's `%START_TIME%`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }
}
