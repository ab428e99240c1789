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

    /// `base` followed by `inner`: `x.patch.value` and `typed_config.cluster` give `x.patch.value.typed_config.cluster`.
    static func joining(_ base: String, _ inner: ConfigPath) -> String {
        var text = base
        for component in inner.components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
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
                Self.joining(valuePath, path.appending("@type")),
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
                        Self.joining(valuePath, path),
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

/// Proto3 scalar fields without presence, in the messages a MERGE can reach in Lifeline's subset of Envoy.
///
/// istiod decodes a patch value into the Envoy message before merging, and a proto3 scalar holding its default
/// (`""`, `0`, the enum's zero value) is then simply not set, so `proto.Merge` never copies it: MERGE cannot reset
/// `lb_policy` to `ROUND_ROBIN` or clear a `name`. Wrapper types (`UInt32Value`, `BoolValue`), durations and fields in
/// a oneof (`port_value`, `cluster`, `int_value`) have presence and do replace.
enum ImplicitPresence {
    /// Field name → the spellings of its default value.
    static let defaults: [String: Set<String>] = [
        "name": [""],
        "stat_prefix": [""],
        "address": [""],
        "cluster_name": [""],
        "description": [""],
        "protocol": ["TCP", "0"],
        "lb_policy": ["ROUND_ROBIN", "0"],
    ]

    /// Whether `value`, written for `field`, is a default that istiod's MERGE would not copy.
    static func isUnsetDefault(_ value: ConfigTree, field: String) -> Bool {
        guard let spellings = defaults[field] else { return false }
        switch value.value {
        case .string(let text): return spellings.contains(text)
        case .number(let text): return spellings.contains("0") && Double(text) == 0
        default: return false
        }
    }
}

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
