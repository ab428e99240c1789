extension ConfigTree {
    /// Block-style YAML, keys in order. Strings are quoted whenever plain style would read back as something else.
    public var yamlText: String {
        var lines: [String] = []
        emitYAML(indent: 0, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Pretty-printed JSON, two-space indent.
    public var jsonText: String {
        var out = ""
        emitJSON(indent: 0, into: &out)
        return out + "\n"
    }

    private func emitYAML(indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let entries):
            if entries.isEmpty { lines.append(pad + "{}") }
            for entry in entries {
                let key = Self.yamlScalar(entry.key)
                if let inline = entry.value.inlineYAML {
                    lines.append("\(pad)\(key): \(inline)")
                } else {
                    lines.append("\(pad)\(key):")
                    let childIndent = entry.value.elements != nil ? indent : indent + 2
                    entry.value.emitYAML(indent: childIndent, into: &lines)
                }
            }
        case .array(let elements):
            if elements.isEmpty { lines.append(pad + "[]") }
            for element in elements {
                if let inline = element.inlineYAML {
                    lines.append("\(pad)- \(inline)")
                } else {
                    var nested: [String] = []
                    element.emitYAML(indent: indent + 2, into: &nested)
                    if var first = nested.first {
                        first.replaceSubrange(
                            first.startIndex..<first.index(first.startIndex, offsetBy: indent + 2),
                            with: pad + "- "
                        )
                        nested[0] = first
                    }
                    lines += nested
                }
            }
        default:
            lines.append(pad + (inlineYAML ?? ""))
        }
    }

    /// The one-line YAML form of scalars and empty collections; `nil` for the rest.
    private var inlineYAML: String? {
        switch value {
        case .object(let entries): entries.isEmpty ? "{}" : nil
        case .array(let elements): elements.isEmpty ? "[]" : nil
        case .string(let text): Self.yamlScalar(text)
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        }
    }

    static func yamlScalar(_ text: String) -> String {
        let reserved: Set<String> = [
            "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
        ]
        let special = ":#{}[],&*!|>'\"%@`\n\t"
        let needsQuotes =
            reserved.contains(text) || ConfigLoader.isNumber(text) || text.first == " " || text.last == " "
            || text.first == "-" || text.first == "?" || text.contains(where: { special.contains($0) })
            || text.unicodeScalars.contains(where: JSONText.escapesAsHex)
        return needsQuotes ? JSONText.quote(text) : text
    }

    private func emitJSON(indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2)
        let closePad = String(repeating: " ", count: indent)
        switch value {
        case .object(let entries):
            guard !entries.isEmpty else {
                out += "{}"
                return
            }
            out += "{\n"
            for (index, entry) in entries.enumerated() {
                out += pad + JSONText.quote(entry.key) + ": "
                entry.value.emitJSON(indent: indent + 2, into: &out)
                out += index == entries.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        case .array(let elements):
            guard !elements.isEmpty else {
                out += "[]"
                return
            }
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += pad
                element.emitJSON(indent: indent + 2, into: &out)
                out += index == elements.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        default:
            out += description
        }
    }
}

extension ConfigTree {
    /// Builds an object from key/value pairs, dropping `nil` values.
    public static func object(_ pairs: [(String, ConfigTree?)]) -> ConfigTree {
        ConfigTree(.object(pairs.compactMap { key, value in value.map { Entry(key: key, value: $0) } }))
    }

    public static func string(_ text: String) -> ConfigTree { ConfigTree(.string(text)) }
    public static func number(_ number: some BinaryInteger) -> ConfigTree { ConfigTree(.number(String(number))) }
    public static func bool(_ flag: Bool) -> ConfigTree { ConfigTree(.bool(flag)) }
    public static func array(_ elements: [ConfigTree]) -> ConfigTree { ConfigTree(.array(elements)) }
}
