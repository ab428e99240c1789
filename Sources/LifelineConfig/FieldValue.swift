import Foundation

/// One field's value with its path; typed readers report a path-named error and return `nil` on a bad value.
package struct FieldValue {
    package let tree: ConfigTree
    package let path: ConfigPath
    package let sink: DiagnosticSink
    /// Who wrote this value when not the bootstrap itself (an EnvoyFilter patch).
    package var provenance: String?

    package init(tree: ConfigTree, path: ConfigPath, sink: DiagnosticSink, provenance: String? = nil) {
        self.tree = tree
        self.path = path
        self.sink = sink
        self.provenance = provenance
    }

    package var origin: ConfigOrigin {
        ConfigOrigin(path: sink.describe(path), location: tree.location, provenance: provenance)
    }

    package func error(_ message: String) {
        sink.error(path, message, at: tree, provenance: provenance)
    }

    package func warning(_ message: String) {
        sink.warning(origin, message)
    }

    package func string() -> String? {
        guard case .string(let text) = tree.value else {
            error("expected a string, found \(tree.kindDescription)")
            return nil
        }
        return text
    }

    /// A non-empty string.
    package func name() -> String? {
        guard let text = string() else { return nil }
        guard !text.isEmpty else {
            error("must not be empty")
            return nil
        }
        return text
    }

    /// `google.protobuf.BoolValue` or `bool`.
    package func bool() -> Bool? {
        guard case .bool(let flag) = tree.value else {
            error("expected true or false, found \(tree.kindDescription)")
            return nil
        }
        return flag
    }

    /// An integer in `range`; proto-JSON also allows it quoted.
    package func integer(in range: ClosedRange<Int64>, unit: String? = nil) -> Int64? {
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
    package var dialect: ProtoJSONDialect { ProtoJSONDialect(provenance: provenance) }

    /// A non-negative `google.protobuf.Duration` in this value's dialect: `"1.5s"` in a bootstrap, a Go duration
    /// (`"1h30m"`, `"300ms"`) in an EnvoyFilter value.
    package func duration() -> Duration? {
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
    package func userTimeout() -> Duration? {
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
    package func enumeration(_ type: String, _ cases: KeyValuePairs<String, Int>) -> Int? {
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

    /// An enum given by name or number; returns the name, leaving which names it accepts (and how it says so) to the
    /// caller. A number must be one of `numbers`.
    package func enumName(_ type: String, numbers: [Int: String]) -> String? {
        switch tree.value {
        case .string(let name):
            return name
        case .number(let text):
            if let number = Int(text), let name = numbers[number] { return name }
            error("unknown \(type) number \(text)")
            return nil
        default:
            error("expected a \(type) name or number, found \(tree.kindDescription)")
            return nil
        }
    }

    /// A `map<string, string>`, such as Kubernetes labels.
    package func stringMap() -> [String: String]? {
        guard case .object(let entries) = tree.value else {
            error("expected a map of strings, found \(tree.kindDescription)")
            return nil
        }
        var map: [String: String] = [:]
        for entry in entries {
            let value = FieldValue(
                tree: entry.value,
                path: path.appending(entry.key),
                sink: sink,
                provenance: entry.value.provenance ?? provenance
            )
            if let text = value.string() { map[entry.key] = text }
        }
        return map
    }

    /// Proto-JSON `bytes`: standard or URL-safe base64.
    package func base64() -> [UInt8]? {
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
    package func array() -> [FieldValue]? {
        guard case .array(let elements) = tree.value else {
            error("expected a list, found \(tree.kindDescription)")
            return nil
        }
        return elements.enumerated().map {
            FieldValue(tree: $1, path: path.appending(index: $0), sink: sink, provenance: $1.provenance ?? provenance)
        }
    }

    /// Reads each element of a list with `body`, dropping the ones that failed.
    package func list<T>(_ body: (FieldValue) -> T?) -> [T] {
        (array() ?? []).compactMap(body)
    }

    package func object() -> ObjectReader? {
        ObjectReader(tree, path: path, sink: sink, inheritedProvenance: provenance)
    }
}

@available(*, unavailable)
extension FieldValue: Sendable {}
