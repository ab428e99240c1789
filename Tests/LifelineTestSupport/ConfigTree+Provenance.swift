public import LifelineConfig
public import Testing

extension ConfigTree {
    /// This tree with `provenance` set on the node at `path`, e.g. `static_resources.listeners[0].tcp_keepalive`, as
    /// an EnvoyFilter patch leaves it.
    public func settingProvenance(
        _ provenance: String,
        at path: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> ConfigTree {
        var components: [ConfigPath.Component] = []
        for part in path.split(separator: ".") {
            let pieces = part.split(separator: "[")
            components.append(.key(String(pieces[0])))
            for index in pieces.dropFirst() {
                components.append(.index(Int(index.dropLast())!))
            }
        }
        return setting(provenance, at: components[...], sourceLocation: sourceLocation)
    }

    private func setting(
        _ provenance: String,
        at path: ArraySlice<ConfigPath.Component>,
        sourceLocation: Testing.SourceLocation
    ) -> ConfigTree {
        var copy = self
        guard let first = path.first else {
            copy.provenance = provenance
            return copy
        }
        switch (first, value) {
        case (.key(let key), .object(var entries)):
            guard let position = entries.firstIndex(where: { $0.key == key }) else { break }
            entries[position].value = entries[position].value.setting(
                provenance,
                at: path.dropFirst(),
                sourceLocation: sourceLocation
            )
            copy.value = .object(entries)
            return copy
        case (.index(let index), .array(var elements)) where elements.indices.contains(index):
            elements[index] = elements[index].setting(provenance, at: path.dropFirst(), sourceLocation: sourceLocation)
            copy.value = .array(elements)
            return copy
        default:
            break
        }
        Issue.record("the tree has no \(first)", sourceLocation: sourceLocation)
        return self
    }
}
