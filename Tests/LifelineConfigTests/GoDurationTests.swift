import LifelineConfig
import Testing

/// Go's `time.ParseDuration`, the duration spelling istiod accepts in EnvoyFilter patch values.
@Suite("Go durations")
struct GoDurationTests {
    @Test(arguments: [
        ("0", Duration.zero),
        ("+0", .zero),
        ("-0", .zero),
        ("0s", .zero),
        ("15s", .seconds(15)),
        ("1.5s", .milliseconds(1500)),
        (".5s", .milliseconds(500)),
        ("1.s", .seconds(1)),
        ("300ms", .milliseconds(300)),
        ("24h", .seconds(86_400)),
        ("1h30m", .seconds(5400)),
        ("2m3.5s", .milliseconds(123_500)),
        ("1h1m1s1ms1us1ns", .seconds(3661) + .nanoseconds(1_001_001)),
        ("10us", .microseconds(10)),
        ("10\u{00B5}s", .microseconds(10)),
        ("10\u{03BC}s", .microseconds(10)),
        ("7ns", .nanoseconds(7)),
        ("0.1s", .milliseconds(100)),
        ("1.25h", .seconds(4500)),
        ("+5s", .seconds(5)),
        ("-5s", .seconds(-5)),
        ("-1.5h", .seconds(-5400)),
        ("1s1s", .seconds(2)),
        ("0000000000000000000001s", .seconds(1)),
        // Digits past what fits are skipped, not an error.
        ("1.000000000000000000000000001s", .seconds(1)),
        ("9223372036854775807ns", .nanoseconds(Int64.max)),
        ("-9223372036854775808ns", .nanoseconds(Int64.min)),
        ("2562047h", .seconds(2_562_047 * 3600)),
    ])
    func parsesWhatGoParses(_ text: String, _ duration: Duration) {
        #expect(GoDuration.parse(text) == duration)
    }

    @Test(arguments: [
        "", "+", "-", "s", ".s", "-.s", ".", "1", "00", "-1", "1d", "1w", "1y", "1S", "1H", "1sec", "1 s", " 1s",
        "1s ", "1e3s", "1.5", "1h30", "1..5s", "0x10s", "1_000s", "\u{2212}1s",
        // Past Go's 2^63 - 1 nanoseconds.
        "9223372036854775808ns", "2562048h", "9223372036854775807ns1ns", "99999999999999999999s",
        "9223372036854775808ns9223372036854775808ns",
    ])
    func rejectsWhatGoRejects(_ text: String) {
        #expect(GoDuration.parse(text) == nil)
    }

    @Test func fractionsTruncateToWholeNanosecondsAsGoDoes() {
        #expect(GoDuration.parse("0.0000000019s") == .nanoseconds(1))
        #expect(GoDuration.parse("1.0000000005s") == .seconds(1))
        #expect(GoDuration.parse("0.3333333333333h") == .nanoseconds(1_199_999_999_999))
    }
}
