import Foundation

/// One field's value with its path; typed readers report a path-named error and return `nil` on a bad value.
struct FieldValue {
    let tree: ConfigTree
    let path: ConfigPath
    let sink: DiagnosticSink
    /// Who wrote this value when not the bootstrap itself (an EnvoyFilter patch).
    var provenance: String? = nil

    var origin: ConfigOrigin {
        ConfigOrigin(path: path.description, location: tree.location, provenance: provenance)
    }

    func error(_ message: String) {
        sink.error(path, message, at: tree, provenance: provenance)
    }

    func warning(_ message: String) {
        sink.warning(origin, message)
    }

    func string() -> String? {
        guard case .string(let text) = tree.value else {
            error("expected a string, found \(tree.kindDescription)")
            return nil
        }
        return text
    }

    /// A non-empty string.
    func name() -> String? {
        guard let text = string() else { return nil }
        guard !text.isEmpty else {
            error("must not be empty")
            return nil
        }
        return text
    }

    /// `google.protobuf.BoolValue` or `bool`.
    func bool() -> Bool? {
        guard case .bool(let flag) = tree.value else {
            error("expected true or false, found \(tree.kindDescription)")
            return nil
        }
        return flag
    }

    /// An integer in `range`; proto-JSON also allows it quoted.
    func integer(in range: ClosedRange<Int64>, unit: String? = nil) -> Int64? {
        let text: String
        switch tree.value {
        case .number(let literal): text = literal
        case .string(let literal): text = literal
        default:
            error("expected an integer, found \(tree.kindDescription)")
            return nil
        }
        guard let number = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            error("expected an integer, found \(JSONText.quote(text))")
            return nil
        }
        guard range.contains(number) else {
            let limit = unit.map { " (\($0))" } ?? ""
            error("\(number) is out of range \(range.lowerBound)...\(range.upperBound)\(limit)")
            return nil
        }
        return number
    }

    /// The parser this value was written for: istiod's when an EnvoyFilter patch wrote it, else Envoy's.
    var dialect: ProtoJSONDialect { ProtoJSONDialect(provenance: provenance) }

    /// A non-negative `google.protobuf.Duration` in this value's dialect: `"1.5s"` in a bootstrap, a Go duration
    /// (`"1h30m"`, `"300ms"`) in an EnvoyFilter value.
    func duration() -> Duration? {
        let dialect = dialect
        guard case .string(let text) = tree.value else {
            let example = dialect == .envoy ? "\"1.5s\"" : "\"90s\""
            error("expected a duration string such as \(example), found \(tree.kindDescription)")
            return nil
        }
        guard let duration = dialect.duration(text) else {
            error("invalid duration \(JSONText.quote(text))\(dialect.placeDescription): \(dialect.durationAdvice)")
            return nil
        }
        guard duration >= .zero else {
            // istiod reads a negative duration; Envoy then rejects the config.
            error("duration \(JSONText.quote(text)) is negative; Envoy accepts only durations of 0s or more")
            return nil
        }
        return duration
    }

    /// A TCP_USER_TIMEOUT duration: whole milliseconds up to `Int32.max`.
    func userTimeout() -> Duration? {
        guard let duration = duration() else { return nil }
        let milliseconds = duration / .milliseconds(1)
        guard milliseconds <= Double(Int32.max) else {
            error("TCP_USER_TIMEOUT takes at most \(Int32.max) ms")
            return nil
        }
        return duration
    }

    /// An enum given by name or number; returns the number. Names are matched as this value's dialect matches them:
    /// in any case in a bootstrap (Envoy), exactly in an EnvoyFilter value (istiod).
    func enumeration(_ type: String, _ cases: KeyValuePairs<String, Int>) -> Int? {
        let dialect = dialect
        switch tree.value {
        case .string(let text):
            if let number = dialect.enumNumber(named: text, in: cases) { return number }
            let names = cases.map(\.key).joined(separator: ", ")
            var message = "unknown \(type) \(JSONText.quote(text))\(dialect.placeDescription); expected one of \(names)"
            if let number = ProtoJSONDialect.envoy.enumNumber(named: text, in: cases),
                let name = cases.first(where: { $0.value == number })?.key
            {
                message += " (istiod reads enum names exactly as declared: write \(name))"
            }
            error(message)
            return nil
        case .number(let text):
            if let number = Int(text), cases.contains(where: { $0.value == number }) { return number }
            error("unknown \(type) number \(text)")
            return nil
        default:
            error("expected a \(type) name or number, found \(tree.kindDescription)")
            return nil
        }
    }

    /// Proto-JSON `bytes`: standard or URL-safe base64.
    func base64() -> [UInt8]? {
        guard let text = string() else { return nil }
        var normalized = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        normalized += String(repeating: "=", count: (4 - normalized.count % 4) % 4)
        guard let data = Data(base64Encoded: normalized) else {
            error("invalid base64 \(JSONText.quote(text))")
            return nil
        }
        return [UInt8](data)
    }

    /// The elements of a list, each with its indexed path.
    func array() -> [FieldValue]? {
        guard case .array(let elements) = tree.value else {
            error("expected a list, found \(tree.kindDescription)")
            return nil
        }
        return elements.enumerated().map {
            FieldValue(tree: $1, path: path.appending(index: $0), sink: sink, provenance: $1.provenance ?? provenance)
        }
    }

    /// Reads each element of a list with `body`, dropping the ones that failed.
    func list<T>(_ body: (FieldValue) -> T?) -> [T] {
        (array() ?? []).compactMap(body)
    }

    func object() -> ObjectReader? {
        ObjectReader(tree, path: path, sink: sink, inheritedProvenance: provenance)
    }
}

@available(*, unavailable)
extension FieldValue: Sendable {}
