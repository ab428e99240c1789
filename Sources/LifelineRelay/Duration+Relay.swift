extension Duration {
    /// Whole milliseconds, at least 1 for a positive duration, saturating.
    var relayMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        if seconds >= Int64.max / 1000 { return .max }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return milliseconds == 0 && attoseconds > 0 ? 1 : max(0, milliseconds)
    }
}
