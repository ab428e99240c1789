import NIOHTTP2

/// The floods swift-nio-http2 ends a downstream connection for (with GOAWAY `ENHANCE_YOUR_CALM`), named by the stat
/// Envoy 1.40 counts the same abuse in.
enum HTTP2Flood {
    /// The stat for a connection error that is a flood, or nil for any other error.
    static func stat(for error: any Error) -> ProxyStats.Name? {
        switch error {
        case is NIOHTTP2Errors.ExcessiveEmptyDataFrames:
            // More than max_consecutive_inbound_frames_with_empty_payload empty DATA frames in a row.
            .http2InboundEmptyFramesFlood
        case is NIOHTTP2Errors.ExcessiveOutboundFrameBuffering, is NIOHTTP2Errors.ExcessiveControlFrames:
            // PING or SETTINGS sent faster than they are read back: more than max_outbound_control_frames answers
            // queued, or more control frames than the rate limit allows.
            .http2OutboundControlFlood
        case is NIOHTTP2Errors.ExcessiveRSTFrames, is NIOHTTP2Errors.ExcessiveStreamErrors,
            is NIOHTTP2Errors.ExcessiveNumberOfGlitches:
            // Streams opened and reset faster than the reset limit ("rapid reset", CVE-2023-44487).
            .downstreamRequestsTooManyPrematureResets
        case is NIOHTTP2Errors.ExcessiveContinuationFrames, is NIOHTTP2Errors.ExcessivelyLargeHeaderBlock:
            // A header block that never ends (CONTINUATION flood, CVE-2024-27316) or outgrows the header list size.
            .http2HeaderListSizeTooLarge
        default:
            nil
        }
    }
}
