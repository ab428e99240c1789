/// A parsed config document: a JSON-like value that remembers where each part was written.
///
/// Every stage before decoding (loading, EnvoyFilter patches) works on this tree, so errors found later can still
/// name the file and line. Equality compares values only, never locations.
public struct ConfigTree: Sendable, CustomStringConvertible {
    public enum Value: Sendable {
        /// Keys in the order written.
        case object([Entry])
        case array([ConfigTree])
        case string(String)
        /// A number, kept as written so that 64-bit integers survive.
        case number(String)
        case bool(Bool)
        case null
    }

    /// One key and its value in an object.
    public struct Entry: Sendable {
        public var key: String
        public var value: ConfigTree
        /// Where the key was written.
        public var keyLocation: SourceLocation?

        public init(key: String, value: ConfigTree, keyLocation: SourceLocation? = nil) {
            self.key = key
            self.value = value
            self.keyLocation = keyLocation
        }
    }

    public var value: Value
    public var location: SourceLocation?
    /// Who put this value here when it was not the bootstrap file itself, e.g.
    /// `EnvoyFilter istio-system/keepalive patch 0`. Values below inherit it unless they carry their own. Only
    /// EnvoyFilter patches set it, so it also says which parser the value was written for (``ProtoJSONDialect``).
    public var provenance: String?

    public init(_ value: Value, location: SourceLocation? = nil, provenance: String? = nil) {
        self.value = value
        self.location = location
        self.provenance = provenance
    }

    /// The entries, if this is an object.
    public var entries: [Entry]? {
        if case .object(let entries) = value { return entries }
        return nil
    }

    /// The elements, if this is an array.
    public var elements: [ConfigTree]? {
        if case .array(let elements) = value { return elements }
        return nil
    }

    /// The value at `key`, if this is an object that has it.
    public subscript(key: String) -> ConfigTree? {
        entries?.first { $0.key == key }?.value
    }

    /// What kind of value this is, for messages: `an object`, `a string`, ….
    public var kindDescription: String {
        switch value {
        case .object: "an object"
        case .array: "a list"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a bool"
        case .null: "null"
        }
    }

    /// Compact JSON, for messages and tests.
    public var description: String {
        switch value {
        case .object(let entries):
            "{" + entries.map { "\(JSONText.quote($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        case .array(let elements):
            "[" + elements.map(\.description).joined(separator: ",") + "]"
        case .string(let text):
            JSONText.quote(text)
        case .number(let text):
            text
        case .bool(let flag):
            flag ? "true" : "false"
        case .null:
            "null"
        }
    }
}

extension ConfigTree: Equatable {
    public static func == (lhs: ConfigTree, rhs: ConfigTree) -> Bool {
        switch (lhs.value, rhs.value) {
        case (.object(let left), .object(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let left), .array(let right)):
            left == right
        case (.string(let left), .string(let right)):
            left == right
        case (.number(let left), .number(let right)):
            left == right || (Double(left) != nil && Double(left) == Double(right))
        case (.bool(let left), .bool(let right)):
            left == right
        case (.null, .null):
            true
        default:
            false
        }
    }
}
