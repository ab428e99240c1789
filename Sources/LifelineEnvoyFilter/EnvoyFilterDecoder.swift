import LifelineConfig

/// Decodes one EnvoyFilter resource: `apiVersion`, `kind`, `metadata` and `spec`.
enum EnvoyFilterDecoder {
    /// Reports errors into `diagnostics`; the filter's warnings go into the filter, to be reported if it applies.
    static func decode(
        _ tree: ConfigTree,
        document: String?,
        sourceOrder: Int,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter? {
        var found = Diagnostics()
        let root = SpecValue(tree: tree, path: FilterFieldPath(document: document))
        guard var object = root.object(&found) else {
            diagnostics.append(contentsOf: found.all)
            return nil
        }
        if let apiVersion = object.take("api_version", &found) {
            if let version = apiVersion.string(&found), !EnvoyFilterLoader.apiVersions.contains(version) {
                apiVersion.error(
                    "EnvoyFilter apiVersion \(JSONText.quote(version)) is not one of "
                        + EnvoyFilterLoader.apiVersions.joined(separator: ", "),
                    &found
                )
            }
        } else {
            root.error("needs apiVersion: \(EnvoyFilterLoader.apiVersions[0])", &found)
        }
        _ = object.take("kind", &found)
        let metadata = object.take("metadata", &found)
        let (name, namespace) = decodeMetadata(metadata, root: root, &found)
        var filter = EnvoyFilter(
            name: name ?? "",
            namespace: namespace,
            sourceOrder: sourceOrder,
            origin: ConfigOrigin(path: document ?? "", location: tree.location)
        )
        if let spec = object.take("spec", &found) {
            decodeSpec(spec, into: &filter, &found)
        }
        // The API server's status block (`kubectl get -o yaml` writes it) says nothing about the patches.
        _ = object.take("status", &found)
        object.finish(&found)
        diagnostics.append(contentsOf: found.errors)
        filter.warnings = found.warnings
        return name == nil ? nil : filter
    }

    private static func decodeMetadata(
        _ metadata: SpecValue?,
        root: SpecValue,
        _ diagnostics: inout Diagnostics
    ) -> (name: String?, namespace: String) {
        guard let metadata else {
            root.error("needs metadata with a name", &diagnostics)
            return (nil, "default")
        }
        guard var object = metadata.object(&diagnostics) else { return (nil, "default") }
        let nameField = object.take("name", &diagnostics)
        var name = nameField?.string(&diagnostics)
        if nameField == nil {
            metadata.error("needs a name", &diagnostics)
        } else if name == "" {
            nameField?.error("must not be empty", &diagnostics)
            name = nil
        }
        let namespace = object.take("namespace", &diagnostics)?.string(&diagnostics)
        // Labels, annotations, uid, managedFields, …: Kubernetes bookkeeping that does not change what a filter does.
        object.ignoreRest()
        return (name, namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    private static func decodeSpec(_ spec: SpecValue, into filter: inout EnvoyFilter, _ diagnostics: inout Diagnostics)
    {
        guard var object = spec.object(&diagnostics) else { return }
        if let selector = object.take("workload_selector", &diagnostics),
            var selectorObject = selector.object(&diagnostics)
        {
            filter.workloadSelector = selectorObject.take("labels", &diagnostics)?.stringMap(&diagnostics) ?? [:]
            selectorObject.finish(&diagnostics)
        }
        if let priority = object.take("priority", &diagnostics) {
            filter.priority = priority.integer(in: Int64(Int32.min)...Int64(Int32.max), &diagnostics).map(Int.init) ?? 0
        }
        if let patches = object.take("config_patches", &diagnostics)?.elements(&diagnostics) {
            filter.configPatches = patches.compactMap { ConfigPatchDecoder.decode($0, &diagnostics) }
        }
        object.reject(
            "target_refs",
            "targetRefs is not supported: Lifeline is one gateway, selected by workloadSelector labels",
            &diagnostics
        )
        object.finish(&diagnostics)
    }
}
