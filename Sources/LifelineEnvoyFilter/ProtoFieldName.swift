/// Proto-JSON spellings: a field may be written `snake_case` or `lowerCamelCase`, and both name the same field.
enum ProtoFieldName {
    /// `socketOptions` → `socket_options`; a snake_case name comes back unchanged. Comparing these is comparing
    /// field identity.
    static func snakeCase(_ name: String) -> String {
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

    /// `socket_options` → `socketOptions`.
    static func camelCase(_ snake: String) -> String {
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
}
