import LifelineConfig

/// Protobuf merge (`proto.Merge`, as istiod's `merge.Merge` runs it) on config trees.
///
/// Set scalars replace; messages merge field by field; repeated fields append; `null`, empty lists and proto3
/// defaults of fields without presence (see ``ImplicitPresence``) are "not set" and change nothing. Fields are
/// compared by proto identity, so `socketOptions` in a patch merges into `socket_options` in the bootstrap, and the
/// bootstrap's spelling stays. Two messages that both carry `@type` (a `google.protobuf.Any`, such as `typed_config`)
/// merge only when the types agree.
///
/// Each value the merge writes is marked with the patch's provenance: a replaced scalar, an added field, every
/// element appended to a list. The values keep their source positions, which point into the filter file.
struct ProtoMerge {
    let provenance: String
    /// Where the patch value was written, e.g. `spec.configPatches[0].patch.value`, for messages.
    let valuePath: String
    private(set) var diagnostics = Diagnostics()

    init(provenance: String, valuePath: String) {
        self.provenance = provenance
        self.valuePath = valuePath
    }

    /// `tree` marked as written by `provenance`; a list's elements are marked too, since each was added.
    static func stamped(_ tree: ConfigTree, _ provenance: String) -> ConfigTree {
        var tree = tree
        tree.provenance = provenance
        tree.updateElements { elements in
            for index in elements.indices { elements[index].provenance = provenance }
        }
        return tree
    }

    /// Merges the message `patch` into `target`. `path` is where `patch` sits inside the patch value.
    mutating func merge(_ patch: ConfigTree, into target: inout ConfigTree, at path: ConfigPath = .root) {
        guard let patchEntries = patch.entries else { return }
        guard case .object(var entries) = target.value else {
            // Nothing to merge into (unset, or not a message): the patch's message is the value now.
            target = Self.stamped(patch, provenance)
            return
        }
        if let patchType = patch["@type"], let targetType = target["@type"], patchType.text != targetType.text {
            diagnostics.error(
                FilterFieldPath.joining(valuePath, path.appending("@type")),
                "\(patchType) does not match the @type \(targetType) it would merge into"
                    + (targetType.location.map { " (\($0))" } ?? ""),
                location: patchType.location
            )
            return
        }
        for entry in patchEntries {
            mergeField(entry, into: &entries, at: path.appending(entry.key))
        }
        target.value = .object(entries)
    }

    private mutating func mergeField(
        _ entry: ConfigTree.Entry,
        into entries: inout [ConfigTree.Entry],
        at path: ConfigPath
    ) {
        let incoming = entry.value
        if incoming.isNull || incoming.elements?.isEmpty == true { return }
        let field = FieldNames.snakeCase(entry.key)
        guard let index = entries.firstIndex(where: { FieldNames.snakeCase($0.key) == field }) else {
            if ImplicitPresence.isUnsetDefault(incoming, field: field) { return }
            entries.append(
                ConfigTree.Entry(
                    key: entry.key,
                    value: Self.stamped(incoming, provenance),
                    keyLocation: entry.keyLocation
                )
            )
            return
        }
        var existing = entries[index].value
        switch (existing.value, incoming.value) {
        case (.object, .object):
            merge(incoming, into: &existing, at: path)
        case (.array(let old), .array(let added)):
            existing.value = .array(old + added.map { Self.stamped($0, provenance) })
        default:
            if ImplicitPresence.isUnsetDefault(incoming, field: field) {
                if !existing.isNull && existing != incoming {
                    diagnostics.warning(
                        FilterFieldPath.joining(valuePath, path),
                        "\(incoming) is the proto3 default of a field without presence, so istiod's MERGE does not "
                            + "apply it; the target keeps \(existing)",
                        location: incoming.location
                    )
                }
                return
            }
            existing = Self.stamped(incoming, provenance)
        }
        entries[index].value = existing
    }
}
