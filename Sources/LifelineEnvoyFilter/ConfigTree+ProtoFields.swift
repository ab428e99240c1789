import LifelineConfig

extension ConfigTree {
    /// The index of the entry holding proto field `snakeName`, whichever spelling it was written in.
    func protoFieldIndex(_ snakeName: String) -> Int? {
        entries?.firstIndex { FieldNames.snakeCase($0.key) == snakeName }
    }

    /// The value of proto field `snakeName` in either spelling; `nil` when absent or `null` (proto-JSON's "not set").
    func protoField(_ snakeName: String) -> ConfigTree? {
        guard let index = protoFieldIndex(snakeName), let field = entries?[index].value else { return nil }
        if case .null = field.value { return nil }
        return field
    }

    /// The text, if this is a string.
    var text: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// An integer written as a number or, as proto-JSON allows, quoted.
    var integer: Int64? {
        switch value {
        case .number(let text), .string(let text): Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text)
        default: nil
        }
    }

    var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// Edits proto field `snakeName` in place. When the field is absent (or `null`) and `initial` is given, the field
    /// is added, spelled `snakeName`, holding `initial`; a `null` tree becomes an object for it. Returns whether
    /// `body` ran.
    @discardableResult
    mutating func updateProtoField(
        _ snakeName: String,
        creating initial: ConfigTree? = nil,
        _ body: (inout ConfigTree) -> Void
    ) -> Bool {
        var entries: [Entry]
        switch value {
        case .object(let existing): entries = existing
        case .null where initial != nil: entries = []
        default: return false
        }
        if let index = entries.firstIndex(where: { FieldNames.snakeCase($0.key) == snakeName }),
            !entries[index].value.isNull || initial == nil
        {
            var field = entries[index].value
            body(&field)
            entries[index].value = field
        } else if let initial {
            var field = initial
            body(&field)
            if let index = entries.firstIndex(where: { FieldNames.snakeCase($0.key) == snakeName }) {
                entries[index].value = field
            } else {
                entries.append(Entry(key: snakeName, value: field))
            }
        } else {
            return false
        }
        value = .object(entries)
        return true
    }

    /// Edits the elements in place, if this is a list.
    @discardableResult
    mutating func updateElements(_ body: (inout [ConfigTree]) -> Void) -> Bool {
        guard case .array(var elements) = value else { return false }
        body(&elements)
        value = .array(elements)
        return true
    }
}
