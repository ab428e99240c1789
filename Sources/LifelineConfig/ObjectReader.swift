/// Reads the fields of one config object by their proto names, accepting either spelling, and reports the fields
/// that nothing asked for as unknown (as Envoy does).
struct ObjectReader {
    let tree: ConfigTree
    let path: ConfigPath
    let sink: DiagnosticSink
    /// Who wrote this object when not the bootstrap itself; inherited by its fields.
    let provenance: String?
    private var remaining: [ConfigTree.Entry]

    /// `nil` (and an error) unless `tree` is an object; `null` reads as an empty object, as in proto-JSON.
    init?(_ tree: ConfigTree, path: ConfigPath, sink: DiagnosticSink, inheritedProvenance: String? = nil) {
        let provenance = tree.provenance ?? inheritedProvenance
        switch tree.value {
        case .object(let entries):
            remaining = entries
        case .null:
            remaining = []
        default:
            sink.error(path, "expected an object, found \(tree.kindDescription)", at: tree, provenance: provenance)
            return nil
        }
        self.provenance = provenance
        self.tree = tree
        self.path = path
        self.sink = sink
    }

    var origin: ConfigOrigin {
        ConfigOrigin(path: path.description, location: tree.location, provenance: provenance)
    }

    /// Takes the field `snakeName` (or its camelCase spelling); `nil` when absent or `null`.
    mutating func field(_ snakeName: String) -> FieldValue? {
        let spellings = Set([snakeName, FieldNames.camelCase(snakeName)])
        let found = remaining.filter { spellings.contains($0.key) }
        remaining.removeAll { spellings.contains($0.key) }
        guard let entry = found.first else { return nil }
        if found.count > 1 {
            sink.error(
                path.appending(found[1].key),
                "\(found[0].key) is given too; give only one",
                location: found[1].keyLocation,
                provenance: found[1].value.provenance ?? provenance
            )
        }
        if case .null = entry.value.value { return nil }
        return FieldValue(
            tree: entry.value,
            path: path.appending(entry.key),
            sink: sink,
            provenance: entry.value.provenance ?? provenance
        )
    }

    /// Whether a field is present without taking it.
    func has(_ snakeName: String) -> Bool {
        let spellings = Set([snakeName, FieldNames.camelCase(snakeName)])
        return remaining.contains { spellings.contains($0.key) }
    }

    /// Reports every field not taken. Fields Envoy has but Lifeline does not implement are named as such.
    func finish(envoyFields: Set<String> = []) {
        for entry in remaining {
            let entryPath = path.appending(entry.key)
            let written = entry.value.provenance ?? provenance
            if envoyFields.contains(FieldNames.snakeCase(entry.key)) {
                sink.error(
                    entryPath,
                    "Envoy field not supported by Lifeline",
                    location: entry.keyLocation,
                    provenance: written
                )
            } else {
                sink.error(entryPath, "unknown field", location: entry.keyLocation, provenance: written)
            }
        }
    }
}

@available(*, unavailable)
extension ObjectReader: Sendable {}
