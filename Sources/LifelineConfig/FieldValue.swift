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

    /// A `google.protobuf.Duration` in proto-JSON form: `"1s"`, `"0.25s"`, `"1.5s"`, non-negative.
    func duration() -> Duration? {
        guard case .string(let text) = tree.value else {
            error("expected a duration string such as \"1.5s\", found \(tree.kindDescription)")
            return nil
        }
        guard let duration = ProtoDuration.parse(text) else {
            error("invalid duration \(JSONText.quote(text)): write seconds with an s suffix, e.g. \"15s\" or \"0.25s\"")
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

    /// An enum given by name or number; returns the number.
    func enumeration(_ type: String, _ cases: KeyValuePairs<String, Int>) -> Int? {
        switch tree.value {
        case .string(let text):
            if let match = cases.first(where: { $0.key == text }) { return match.value }
            let names = cases.map(\.key).joined(separator: ", ")
            error("unknown \(type) \(JSONText.quote(text)); expected one of \(names)")
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
