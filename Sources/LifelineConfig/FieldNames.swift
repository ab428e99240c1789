/// Proto-JSON field spellings: every field may be written `snake_case` or `lowerCamelCase`.
public enum FieldNames {
    /// `socket_options` → `socketOptions`.
    public static func camelCase(_ snake: String) -> String {
        var out = ""
        var upperNext = false
        for character in snake {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                out += character.uppercased()
                upperNext = false
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// `socketOptions` → `socket_options`; a snake_case name comes back unchanged, so comparing these compares
    /// field identity.
    public static func snakeCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}
