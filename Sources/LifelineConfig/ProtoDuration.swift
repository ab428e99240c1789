/// `google.protobuf.Duration` in its proto-JSON spelling.
public enum ProtoDuration {
    /// Parses `"15s"`, `"0.25s"`, `"1.000000001s"`; `nil` for anything else or a negative value.
    public static func parse(_ text: String) -> Duration? {
        guard text.hasSuffix("s") else { return nil }
        let number = text.dropLast()
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let secondsText = parts.first, !secondsText.isEmpty,
            secondsText.allSatisfy(\.isASCIIDigit), let seconds = Int64(secondsText), seconds <= 315_576_000_000
        else { return nil }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            nanoseconds = Int64(fraction + String(repeating: "0", count: 9 - fraction.count))!
        }
        return .seconds(seconds) + .nanoseconds(nanoseconds)
    }

    /// `"15s"`, `"0.25s"`: the shortest proto-JSON spelling.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = attoseconds / 1_000_000_000
        guard nanoseconds != 0 else { return "\(seconds)s" }
        var fraction = String(nanoseconds)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction)s"
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
