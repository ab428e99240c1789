import LifelineConfig

/// Decodes one EnvoyFilter resource: `apiVersion`, `kind`, `metadata` and `spec`.
enum EnvoyFilterDecoder {
    /// Reports what makes the resource unusable whichever gateway reads it (`apiVersion`, `metadata`) into
    /// `diagnostics`. Everything found in the rest goes into the filter's ``EnvoyFilter/specDiagnostics``, to be
    /// reported if the filter applies to the gateway.
    static func decode(
        _ tree: ConfigTree,
        document: String?,
        sourceOrder: Int,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter? {
        var resource = Diagnostics()
        var spec = SpecDiagnostics()
        let root = SpecValue(tree: tree, path: FilterFieldPath(document: document))
        guard var object = root.object(&resource) else {
            diagnostics.append(contentsOf: resource.all)
            return nil
        }
        if let apiVersion = object.take("api_version", &resource) {
            if let version = apiVersion.string(&resource), version != EnvoyFilterLoader.apiVersion {
                apiVersion.error(
                    "Istio serves EnvoyFilter only as \(EnvoyFilterLoader.apiVersion), not \(JSONText.quote(version))",
                    &resource
                )
            }
        } else {
            root.error("needs apiVersion: \(EnvoyFilterLoader.apiVersion)", &resource)
        }
        _ = object.take("kind", &resource)
        let metadata = object.take("metadata", &resource)
        let (name, namespace) = decodeMetadata(metadata, root: root, &resource)
        var filter = EnvoyFilter(
            name: name ?? "",
            namespace: namespace,
            sourceOrder: sourceOrder,
            origin: ConfigOrigin(path: document ?? "", location: tree.location)
        )
        var rest = Diagnostics()
        if let specField = object.take("spec", &rest) {
            spec.append(rest)
            rest = Diagnostics()
            decodeSpec(specField, into: &filter, &spec)
        }
        // The API server's status block (`kubectl get -o yaml` writes it) says nothing about the patches.
        _ = object.take("status", &rest)
        object.finish(&rest)
        spec.append(rest)
        diagnostics.append(contentsOf: resource.all)
        filter.specDiagnostics = spec.all
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

    private static func decodeSpec(_ spec: SpecValue, into filter: inout EnvoyFilter, _ found: inout SpecDiagnostics) {
        var diagnostics = Diagnostics()
        defer { found.append(diagnostics) }
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
            found.append(diagnostics)
            diagnostics = Diagnostics()
            filter.patchEntries = patches.enumerated().map { index, field in
                var patchDiagnostics = Diagnostics()
                let entry = ConfigPatchDecoder.decode(field, index: index, &patchDiagnostics)
                found.append(patchDiagnostics, patchIndex: index)
                return entry
            }
        }
        object.reject(
            "target_refs",
            "targetRefs is not supported: Lifeline is one gateway, selected by workloadSelector labels",
            &diagnostics
        )
        object.finish(&diagnostics)
    }
}

/// A filter's spec diagnostics in the order found, each marked with the patch it belongs to.
private struct SpecDiagnostics {
    private(set) var all: [EnvoyFilter.SpecDiagnostic] = []

    mutating func append(_ diagnostics: Diagnostics, patchIndex: Int? = nil) {
        all += diagnostics.all.map { EnvoyFilter.SpecDiagnostic($0, patchIndex: patchIndex) }
    }
}
