/// A duration in Go's spelling (`time.ParseDuration`), which istiod accepts for a `google.protobuf.Duration` in an
/// EnvoyFilter patch value: golang/protobuf's jsonpb, which istiod parses patch values with, reads durations so.
///
/// The grammar is `[-+]?([0-9]*(\.[0-9]*)?unit)+` with the units `ns`, `us` (also `µs`, `μs`), `ms`, `s`, `m` and
/// `h` — `"24h"`, `"1h30m"`, `"300ms"`, `"1.5s"`, `"2m3.5s"` — or the bare `"0"`. The value must fit in Go's
/// nanosecond count (an `Int64`, about 292 years).
public enum GoDuration {
    /// Nanoseconds per unit, keyed by the unit's UTF-8 bytes.
    private static let units: [[UInt8]: UInt64] = [
        Array("ns".utf8): 1,
        Array("us".utf8): 1_000,
        Array("\u{00B5}s".utf8): 1_000,  // micro sign
        Array("\u{03BC}s".utf8): 1_000,  // Greek small letter mu
        Array("ms".utf8): 1_000_000,
        Array("s".utf8): 1_000_000_000,
        Array("m".utf8): 60_000_000_000,
        Array("h".utf8): 3_600_000_000_000,
    ]

    /// The largest magnitude Go holds: 2^63 ns (only as a negative value).
    private static let limit: UInt64 = 1 << 63

    /// Parses `text` as Go does; `nil` where Go reports an error. Negative durations parse (`"-5s"`); rejecting them is
    /// the field's business, as it is Envoy's.
    public static func parse(_ text: String) -> Duration? {
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            index = 1
        }
        if bytes[index...].elementsEqual("0".utf8) { return .zero }
        guard index < bytes.count else { return nil }
        var total: UInt64 = 0
        while index < bytes.count {
            // Each component starts with a digit or a point.
            guard bytes[index] == UInt8(ascii: ".") || isDigit(bytes[index]),
                let component = component(bytes, from: &index)
            else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(component)
            guard !overflow, sum <= limit else { return nil }
            total = sum
        }
        if negative {
            return .nanoseconds(total == limit ? Int64.min : -Int64(total))
        }
        guard total < limit else { return nil }
        return .nanoseconds(Int64(total))
    }

    /// One `number unit` component starting at `index`, in nanoseconds; moves `index` past it.
    private static func component(_ bytes: [UInt8], from index: inout Int) -> UInt64? {
        // The whole part: digits before an optional point; more than 2^63 is an error.
        let wholeStart = index
        var whole: UInt64 = 0
        while index < bytes.count, isDigit(bytes[index]) {
            guard whole <= limit / 10 else { return nil }
            whole = whole * 10 + UInt64(bytes[index] - UInt8(ascii: "0"))
            guard whole <= limit else { return nil }
            index += 1
        }
        let hasWhole = index != wholeStart

        // The fraction: Go keeps the digits that fit and skips the rest, so extra precision is ignored, not an error.
        var fraction: UInt64 = 0
        var scale = 1.0
        var hasFraction = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            var full = false
            while index < bytes.count, isDigit(bytes[index]) {
                if !full, fraction <= (limit - 1) / 10,
                    case let next = fraction * 10 + UInt64(bytes[index] - UInt8(ascii: "0")), next <= limit
                {
                    fraction = next
                    scale *= 10
                } else {
                    full = true
                }
                index += 1
            }
            hasFraction = index != fractionStart
        }
        guard hasWhole || hasFraction else { return nil }

        // The unit: everything up to the next digit or point.
        let unitStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "."), !isDigit(bytes[index]) {
            index += 1
        }
        guard index > unitStart, let unit = units[Array(bytes[unitStart..<index])] else { return nil }
        guard whole <= limit / unit else { return nil }
        var nanoseconds = whole * unit
        if fraction > 0 {
            // Go computes the fraction's share in floating point, truncating; so does this, for the same result.
            nanoseconds += UInt64(Double(fraction) * (Double(unit) / scale))
            guard nanoseconds <= limit else { return nil }
        }
        return nanoseconds
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
