import LifelineConfig

/// Decodes one EnvoyFilter resource (`apiVersion`, `kind`, `metadata` and `spec`) and each of its `configPatches`,
/// checking that a patch's applyTo, match and operation fit together as Istio's validation does, and stricter where
/// istiod would skip a patch without a word.
///
/// Every object is read with LifelineConfig's ``ObjectReader``, the reader bootstraps are decoded with: a field may be
/// spelled as its proto name or its JSON name (`config_patches`, `configPatches`), fields nothing asks for are
/// unknown, and a field given in both spellings is an error.
enum EnvoyFilterDecoder {
    static let applyToNumbers: [Int: String] = [
        0: "INVALID", 1: "LISTENER", 2: "FILTER_CHAIN", 3: "NETWORK_FILTER", 4: "HTTP_FILTER", 5: "ROUTE_CONFIGURATION",
        6: "VIRTUAL_HOST", 7: "HTTP_ROUTE", 8: "CLUSTER", 9: "EXTENSION_CONFIG", 10: "BOOTSTRAP", 11: "LISTENER_FILTER",
    ]
    static let operationNumbers: [Int: String] = [
        0: "INVALID", 1: "MERGE", 2: "ADD", 3: "REMOVE", 4: "INSERT_BEFORE", 5: "INSERT_AFTER", 6: "INSERT_FIRST",
        7: "REPLACE", 8: "MERGE_AND_REPLACE_LIST",
    ]

    /// Reports what makes the resource unusable whichever gateway reads it (`apiVersion`, `metadata`) into
    /// `diagnostics`. Everything found in the rest goes into the filter's ``EnvoyFilter/specDiagnostics``, to be
    /// reported if the filter applies to the gateway.
    static func decode(
        _ tree: ConfigTree,
        document: String?,
        sourceOrder: Int,
        _ diagnostics: inout Diagnostics
    ) -> EnvoyFilter? {
        let sink = DiagnosticSink(document: document)
        let root = FieldValue(tree: tree, path: .root, sink: sink)
        guard var object = root.object() else {
            diagnostics.append(contentsOf: sink.diagnostics)
            return nil
        }
        if let apiVersion = object.field("api_version") {
            if let version = apiVersion.string(), version != EnvoyFilterLoader.apiVersion {
                apiVersion.error(
                    "Istio serves EnvoyFilter only as \(EnvoyFilterLoader.apiVersion), not \(JSONText.quote(version))"
                )
            }
        } else {
            root.error("needs apiVersion: \(EnvoyFilterLoader.apiVersion)")
        }
        _ = object.field("kind")
        let (name, namespace) = decodeMetadata(object.field("metadata"), root: root)
        diagnostics.append(contentsOf: sink.diagnostics)

        var spec = SpecDiagnostics(sink: sink)
        var filter = EnvoyFilter(
            name: name ?? "",
            namespace: namespace,
            sourceOrder: sourceOrder,
            origin: ConfigOrigin(path: document ?? "", location: tree.location)
        )
        if let specField = object.field("spec") {
            decodeSpec(specField, into: &filter, &spec)
        }
        // The API server's status block (`kubectl get -o yaml` writes it) says nothing about the patches.
        _ = object.field("status")
        object.finish()
        spec.collect()
        filter.specDiagnostics = spec.all
        return name == nil ? nil : filter
    }

    private static func decodeMetadata(_ metadata: FieldValue?, root: FieldValue) -> (name: String?, namespace: String)
    {
        guard let metadata else {
            root.error("needs metadata with a name")
            return (nil, "default")
        }
        guard var object = metadata.object() else { return (nil, "default") }
        let nameField = object.field("name")
        var name = nameField?.string()
        if nameField == nil {
            metadata.error("needs a name")
        } else if name == "" {
            nameField?.error("must not be empty")
            name = nil
        }
        let namespace = object.field("namespace")?.string()
        // Labels, annotations, uid, managedFields, …: Kubernetes bookkeeping that does not change what a filter does.
        object.ignoreRest()
        return (name, namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    private static func decodeSpec(_ spec: FieldValue, into filter: inout EnvoyFilter, _ found: inout SpecDiagnostics) {
        found.collect()
        guard var object = spec.object() else { return }
        if let selector = object.field("workload_selector"), var selectorObject = selector.object() {
            filter.workloadSelector = selectorObject.field("labels")?.stringMap() ?? [:]
            selectorObject.finish()
        }
        if let priority = object.field("priority") {
            filter.priority = priority.integer(in: Int64(Int32.min)...Int64(Int32.max)).map(Int.init) ?? 0
        }
        if let patches = object.field("config_patches")?.array() {
            found.collect()
            filter.patchEntries = patches.enumerated().map { index, field in
                let entry = decodePatchEntry(field, index: index)
                found.collect(patchIndex: index)
                return entry
            }
        }
        object.reject(
            "target_refs",
            because: "targetRefs is not supported: Lifeline is one gateway, selected by workloadSelector labels"
        )
        object.finish()
    }

    /// Decodes entry `index` of `configPatches`. The entry always comes back, with as much of its `match` as could be
    /// read, so that whether it applies to the gateway can be decided even when it has errors.
    private static func decodePatchEntry(_ field: FieldValue, index: Int) -> EnvoyFilter.PatchEntry {
        let origin = ConfigOrigin(path: field.sink.describe(field.path), location: field.tree.location)
        guard var object = field.object() else {
            return EnvoyFilter.PatchEntry(index: index, match: EnvoyFilter.ObjectMatch(), patch: nil, origin: origin)
        }
        let applyToField = object.field("apply_to")
        let applyTo = applyToField.flatMap(decodeApplyTo)
        if applyToField == nil {
            field.error("needs applyTo")
        }

        var operation: EnvoyFilter.Operation?
        var value: FieldValue?
        if let patchField = object.field("patch") {
            (operation, value) = decodePatch(patchField, applyTo: applyTo)
        } else {
            field.error("needs a patch")
        }

        let match =
            object.field("match").flatMap { decodeMatch($0, applyTo: applyTo, operation: operation) }
            ?? EnvoyFilter.ObjectMatch()
        object.finish()

        guard let applyTo, let operation else {
            return EnvoyFilter.PatchEntry(index: index, match: match, patch: nil, origin: origin)
        }
        let patch = EnvoyFilter.ConfigPatch(
            applyTo: applyTo,
            match: match,
            operation: operation,
            value: value?.tree,
            origin: origin
        )
        return EnvoyFilter.PatchEntry(index: index, match: match, patch: patch, origin: origin)
    }

    private static func decodeApplyTo(_ field: FieldValue) -> EnvoyFilter.ApplyTo? {
        guard let name = field.enumName("applyTo", numbers: applyToNumbers) else { return nil }
        if let applyTo = EnvoyFilter.ApplyTo(rawValue: name) { return applyTo }
        if name == "INVALID" {
            field.error("needs applyTo")
        } else if applyToNumbers.values.contains(name) {
            let supported = EnvoyFilter.ApplyTo.allCases.map(\.rawValue).joined(separator: ", ")
            field.error("\(name) is not supported by Lifeline; applyTo may be \(supported)")
        } else {
            let known = applyToNumbers.sorted { $0.key < $1.key }.dropFirst().map(\.value).joined(separator: ", ")
            field.error("unknown applyTo \(JSONText.quote(name)); expected one of \(known)")
        }
        return nil
    }

    private static func decodePatch(
        _ field: FieldValue,
        applyTo: EnvoyFilter.ApplyTo?
    ) -> (EnvoyFilter.Operation?, FieldValue?) {
        guard var object = field.object() else { return (nil, nil) }
        let operationField = object.field("operation")
        var operation = operationField.flatMap(decodeOperation)
        let value = object.field("value")
        if let filterClass = object.field("filter_class"),
            let name = filterClass.enumName("filterClass", numbers: [0: "UNSPECIFIED"]),
            name != "UNSPECIFIED"
        {
            filterClass.error(
                "filterClass is not supported by Lifeline: it places a filter relative to Istio's own authn, authz "
                    + "and stats filters; use INSERT_BEFORE or INSERT_AFTER with match.listener.filterChain.filter"
                    + ".subFilter"
            )
        }
        object.finish()

        guard let chosen = operation else {
            if operationField == nil { field.error("needs an operation") }
            return (nil, value)
        }
        if let applyTo, !applyTo.operations.contains(chosen), let operationField {
            let allowed = applyTo.operations.map(\.rawValue).joined(separator: ", ")
            operationField.error(
                "\(chosen.rawValue) is not valid with applyTo \(applyTo.rawValue) (istiod would ignore the patch); "
                    + "use one of \(allowed)"
            )
            operation = nil
        }
        if let value {
            checkValue(value, applyTo: applyTo, operation: chosen)
        } else if chosen != .remove {
            field.error("\(chosen.rawValue) needs a value")
        }
        return (operation, value)
    }

    private static func decodeOperation(_ field: FieldValue) -> EnvoyFilter.Operation? {
        guard let name = field.enumName("operation", numbers: operationNumbers) else { return nil }
        if let operation = EnvoyFilter.Operation(rawValue: name) { return operation }
        switch name {
        case "INVALID":
            field.error("needs an operation")
        case "MERGE_AND_REPLACE_LIST":
            field.error("MERGE_AND_REPLACE_LIST is not supported by Lifeline")
        default:
            let known = EnvoyFilter.Operation.allCases.map(\.rawValue).joined(separator: ", ")
            field.error("unknown operation \(JSONText.quote(name)); expected one of \(known)")
        }
        return nil
    }

    /// What istiod's validation rejects in a value (it must decode to the Envoy message), and what its patchers would
    /// silently drop.
    private static func checkValue(_ value: FieldValue, applyTo: EnvoyFilter.ApplyTo?, operation: EnvoyFilter.Operation)
    {
        guard let entries = value.tree.entries else {
            value.error(
                "expected an object (the Envoy config to \(operation.rawValue)), found \(value.tree.kindDescription)"
            )
            return
        }
        if operation == .remove {
            value.warning("REMOVE takes no value; this one is ignored")
            return
        }
        checkTypedConfigs(value)
        if applyTo == .networkFilter && operation == .merge {
            for entry in entries where !["name", "typed_config"].contains(FieldNames.snakeCase(entry.key)) {
                value.sink.warning(
                    value.path.appending(entry.key),
                    "ignored: istiod merges only name and typed_config into a network filter",
                    location: entry.keyLocation
                )
            }
        }
    }

    /// A `typed_config` is a `google.protobuf.Any`: without `@type` istiod cannot decode it and rejects the filter.
    private static func checkTypedConfigs(_ value: FieldValue) {
        switch value.tree.value {
        case .object(let entries):
            for entry in entries {
                let child = FieldValue(tree: entry.value, path: value.path.appending(entry.key), sink: value.sink)
                if FieldNames.snakeCase(entry.key) == "typed_config", let fields = entry.value.entries,
                    !fields.isEmpty, entry.value["@type"] == nil
                {
                    child.error("typed_config needs an \"@type\"")
                }
                checkTypedConfigs(child)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                checkTypedConfigs(FieldValue(tree: element, path: value.path.appending(index: index), sink: value.sink))
            }
        default:
            break
        }
    }
}

/// Sorts what a filter's sink collected into the parts of the spec it belongs to, in the order found.
private struct SpecDiagnostics {
    let sink: DiagnosticSink
    private(set) var all: [EnvoyFilter.SpecDiagnostic] = []
    /// How many of the sink's diagnostics are sorted already (those before the spec belong to the resource).
    private var sorted: Int

    init(sink: DiagnosticSink) {
        self.sink = sink
        sorted = sink.diagnostics.count
    }

    /// Files what the sink collected since the last call under `patchIndex` (`nil`: the spec as a whole).
    mutating func collect(patchIndex: Int? = nil) {
        all += sink.diagnostics[sorted...].map { EnvoyFilter.SpecDiagnostic($0, patchIndex: patchIndex) }
        sorted = sink.diagnostics.count
    }
}
