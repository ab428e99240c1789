/// Which proto-JSON parser a value was written for. A value means what it means to the program that parses it, and
/// two parse Lifeline's config: Envoy reads the bootstrap, istiod reads EnvoyFilter patch values (and sends Envoy the
/// result as binary protobuf, so Envoy's parser never sees them).
///
/// One reader (``FieldValue``) serves both; the dialect decides only where the two parsers differ.
public enum ProtoJSONDialect: Sendable, Hashable {
    /// Envoy's parser, for bootstrap files: an enum name that is not found is upper-cased and looked up again
    /// (`strict_dns` is `STRICT_DNS`); durations are proto-JSON, seconds with an `s` suffix (`"1.5s"`).
    case envoy
    /// istiod's parser (golang/protobuf jsonpb), for EnvoyFilter patch values: enum names exactly as declared;
    /// durations in Go's spelling (`"1h30m"`, `"300ms"`; see ``GoDuration``).
    case istiod

    /// The dialect of a value with `provenance`: only EnvoyFilter patches record provenance (see
    /// ``ConfigTree/provenance``), so a value that carries one was written in an EnvoyFilter, for istiod.
    public init(provenance: String?) {
        self = provenance == nil ? .envoy : .istiod
    }

    /// Where values in this dialect are written, for messages: `""` or `" in an EnvoyFilter value"`.
    var placeDescription: String {
        switch self {
        case .envoy: ""
        case .istiod: " in an EnvoyFilter value"
        }
    }

    /// A `google.protobuf.Duration` written as `text`; `nil` when this dialect's parser rejects it. Negative values
    /// parse in istiod's dialect, as they do in Go.
    public func duration(_ text: String) -> Duration? {
        switch self {
        case .envoy: ProtoDuration.parse(text)
        case .istiod: GoDuration.parse(text)
        }
    }

    /// What to write instead of a rejected duration.
    var durationAdvice: String {
        switch self {
        case .envoy: "write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        case .istiod: "write a Go duration such as \"90s\", \"1h30m\" or \"300ms\""
        }
    }

    /// The number of the enum value `name` among `cases`, as this dialect's parser finds it.
    public func enumNumber(named name: String, in cases: KeyValuePairs<String, Int>) -> Int? {
        if let match = cases.first(where: { $0.key == name }) { return match.value }
        guard self == .envoy else { return nil }
        let upper = Self.asciiUppercased(name)
        return cases.first { $0.key == upper }?.value
    }

    /// Envoy upper-cases ASCII letters only.
    static func asciiUppercased(_ text: String) -> String {
        String(
            decoding: text.utf8.map { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) ? $0 - 32 : $0 },
            as: UTF8.self
        )
    }

    /// ASCII letters lower-cased, the rest unchanged (as `absl::AsciiStrToLower`).
    public static func asciiLowercased(_ text: String) -> String {
        String(
            decoding: text.utf8.map { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) ? $0 + 32 : $0 },
            as: UTF8.self
        )
    }
}
