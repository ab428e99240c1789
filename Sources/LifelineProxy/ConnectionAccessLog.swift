import Logging

/// The access log of a downstream connection: one line at `info` when it closes, in Envoy's default format as a
/// connection fills it (`"- - -" 0`, response flags, bytes received and sent, duration in ms, the upstream host), with
/// why it closed as `close.reason` (`keepalive_timeout`, `remote_reset`, …) and the peer in the line's metadata,
/// which `--log-format json` turns into fields. (HTTP requests have their own lines, ``HTTPAccessLog``.)
enum ConnectionAccessLog {
    struct Record {
        /// `tcp_proxy` or `http_connection_manager`.
        let kind: String
        let startTime = ContinuousClock.now
        let startText = LogTimestamp.now()
        var bytesReceived = 0
        var bytesSent = 0
        /// Envoy's response flags: `UF,URX` when the upstream connect failed, `UR` when the upstream reset.
        var flags: [String] = []

        func write(to logger: Logger, peer: String?, upstream: String?, reason: CloseReason) {
            guard logger.logLevel <= .info else { return }
            let duration = (ContinuousClock.now - startTime).components
            let milliseconds = duration.seconds * 1000 + duration.attoseconds / 1_000_000_000_000_000
            let flagText = flags.isEmpty ? "-" : flags.joined(separator: ",")
            logger.info(
                "[\(startText)] \"- - -\" 0 \(flagText) \(bytesReceived) \(bytesSent) \(milliseconds) \"-\" \"-\" \"-\" \"-\" \"\(upstream ?? "-")\"",
                metadata: [
                    "access.kind": "\(kind)",
                    "close.reason": "\(reason.rawValue)",
                    "connection.peer": "\(peer ?? "-")",
                    "response_flags": "\(flagText)",
                    "bytes_received": "\(bytesReceived)",
                    "bytes_sent": "\(bytesSent)",
                    "duration_ms": "\(milliseconds)",
                    "upstream.host": "\(upstream ?? "-")",
                ]
            )
        }
    }
}
