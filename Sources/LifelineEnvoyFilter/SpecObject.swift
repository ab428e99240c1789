import LifelineConfig

/// Reads the fields of one object of an EnvoyFilter document by proto name, accepting either spelling, and reports
/// the fields nothing asked for as unknown.
struct SpecObject {
    let tree: ConfigTree
    let path: FilterFieldPath
    private var remaining: [ConfigTree.Entry]

    /// `nil` (and an error) unless `value` is an object; `null` reads as an empty object, as in proto-JSON.
    init?(_ value: SpecValue, _ diagnostics: inout Diagnostics) {
        switch value.tree.value {
        case .object(let entries):
            remaining = entries
        case .null:
            remaining = []
        default:
            value.error("expected an object, found \(value.tree.kindDescription)", &diagnostics)
            return nil
        }
        tree = value.tree
        path = value.path
    }

    var value: SpecValue { SpecValue(tree: tree, path: path) }

    /// Takes field `snakeName` (or its camelCase spelling); `nil` when absent or `null`.
    mutating func take(_ snakeName: String, _ diagnostics: inout Diagnostics) -> SpecValue? {
        let found = remaining.filter { FieldNames.snakeCase($0.key) == snakeName }
        remaining.removeAll { FieldNames.snakeCase($0.key) == snakeName }
        guard let entry = found.first else { return nil }
        if found.count > 1 {
            diagnostics.error(
                path.appending(found[1].key).description,
                "\(found[0].key) is given too; give only one",
                location: found[1].keyLocation
            )
        }
        if entry.value.isNull { return nil }
        return SpecValue(tree: entry.value, path: path.appending(entry.key))
    }

    /// Takes field `snakeName` if present and reports it as not supported, giving `reason`.
    mutating func reject(_ snakeName: String, _ reason: String, _ diagnostics: inout Diagnostics) {
        for entry in remaining where FieldNames.snakeCase(entry.key) == snakeName {
            diagnostics.error(path.appending(entry.key).description, reason, location: entry.keyLocation)
        }
        remaining.removeAll { FieldNames.snakeCase($0.key) == snakeName }
    }

    /// Drops every field not taken yet, for parts of a resource Lifeline has no use for (Kubernetes metadata).
    mutating func ignoreRest() {
        remaining = []
    }

    /// Reports every field not taken as unknown.
    func finish(_ diagnostics: inout Diagnostics) {
        for entry in remaining {
            diagnostics.error(path.appending(entry.key).description, "unknown field", location: entry.keyLocation)
        }
    }
}
