/// Reads the fields of one config object by their proto names, accepting either spelling, and reports the fields
/// that nothing asked for as unknown (as Envoy does).
///
/// The one reader for every document Lifeline reads: Envoy bootstraps here, EnvoyFilter resources in
/// LifelineEnvoyFilter. A field is found by its proto name (`config_patches`) or its lowerCamelCase JSON name
/// (`configPatches`), which is what Envoy's parser and istiod's (golang/protobuf jsonpb) both accept.
package struct ObjectReader {
    package let tree: ConfigTree
    package let path: ConfigPath
    package let sink: DiagnosticSink
    /// Who wrote this object when not the bootstrap itself; inherited by its fields.
    package let provenance: String?
    private var remaining: [ConfigTree.Entry]

    /// `nil` (and an error) unless `tree` is an object; `null` reads as an empty object, as in proto-JSON.
    package init?(_ tree: ConfigTree, path: ConfigPath, sink: DiagnosticSink, inheritedProvenance: String? = nil) {
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

    package var origin: ConfigOrigin {
        ConfigOrigin(path: sink.describe(path), location: tree.location, provenance: provenance)
    }

    /// The object itself as a value, for errors about it as a whole.
    package var value: FieldValue {
        FieldValue(tree: tree, path: path, sink: sink, provenance: provenance)
    }

    /// Takes the field `snakeName` (or its camelCase spelling); `nil` when absent or `null`.
    package mutating func field(_ snakeName: String) -> FieldValue? {
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
    package func has(_ snakeName: String) -> Bool {
        let spellings = Set([snakeName, FieldNames.camelCase(snakeName)])
        return remaining.contains { spellings.contains($0.key) }
    }

    /// Takes the field `snakeName` (in either spelling) if present and reports it as not supported, saying `reason`.
    package mutating func reject(_ snakeName: String, because reason: String) {
        let spellings = Set([snakeName, FieldNames.camelCase(snakeName)])
        for entry in remaining where spellings.contains(entry.key) {
            sink.error(
                path.appending(entry.key),
                reason,
                location: entry.keyLocation,
                provenance: entry.value.provenance ?? provenance
            )
        }
        remaining.removeAll { spellings.contains($0.key) }
    }

    /// Drops every field not taken yet, for parts of a document Lifeline has no use for (Kubernetes metadata).
    package mutating func ignoreRest() {
        remaining = []
    }

    /// Reports every field not taken. Fields Envoy has but Lifeline does not implement are named as such.
    package func finish(envoyFields: Set<String> = []) {
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
