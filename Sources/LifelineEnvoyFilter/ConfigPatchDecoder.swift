import LifelineConfig

/// Decodes one entry of `spec.configPatches` and checks that its applyTo, match and operation fit together, as
/// Istio's validation does, and stricter where istiod would skip a patch without a word.
enum ConfigPatchDecoder {
    static let applyToNumbers: [Int: String] = [
        0: "INVALID", 1: "LISTENER", 2: "FILTER_CHAIN", 3: "NETWORK_FILTER", 4: "HTTP_FILTER", 5: "ROUTE_CONFIGURATION",
        6: "VIRTUAL_HOST", 7: "HTTP_ROUTE", 8: "CLUSTER", 9: "EXTENSION_CONFIG", 10: "BOOTSTRAP", 11: "LISTENER_FILTER",
    ]
    static let operationNumbers: [Int: String] = [
        0: "INVALID", 1: "MERGE", 2: "ADD", 3: "REMOVE", 4: "INSERT_BEFORE", 5: "INSERT_AFTER", 6: "INSERT_FIRST",
        7: "REPLACE", 8: "MERGE_AND_REPLACE_LIST",
    ]
    static let httpKinds: Set<String> = ["HTTP_FILTER", "ROUTE_CONFIGURATION", "VIRTUAL_HOST", "HTTP_ROUTE"]

    /// Decodes entry `index`. The entry always comes back, with as much of its `match` as could be read, so that
    /// whether it applies to the gateway can be decided even when it has errors.
    static func decode(_ field: SpecValue, index: Int, _ diagnostics: inout Diagnostics) -> EnvoyFilter.PatchEntry {
        let origin = ConfigOrigin(path: field.path.description, location: field.tree.location)
        guard var object = field.object(&diagnostics) else {
            return EnvoyFilter.PatchEntry(index: index, match: EnvoyFilter.ObjectMatch(), patch: nil, origin: origin)
        }
        let applyToField = object.take("apply_to", &diagnostics)
        let applyTo = applyToField.flatMap { decodeApplyTo($0, &diagnostics) }
        if applyToField == nil {
            field.error("needs applyTo", &diagnostics)
        }

        var operation: EnvoyFilter.Operation?
        var value: SpecValue?
        if let patchField = object.take("patch", &diagnostics) {
            (operation, value) = decodePatch(patchField, applyTo: applyTo, &diagnostics)
        } else {
            field.error("needs a patch", &diagnostics)
        }

        let match =
            object.take("match", &diagnostics).flatMap {
                ObjectMatchDecoder.decode($0, applyTo: applyTo, operation: operation, &diagnostics)
            } ?? EnvoyFilter.ObjectMatch()
        object.finish(&diagnostics)

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

    private static func decodeApplyTo(_ field: SpecValue, _ diagnostics: inout Diagnostics) -> EnvoyFilter.ApplyTo? {
        guard let name = field.enumName("applyTo", numbers: applyToNumbers, &diagnostics) else { return nil }
        if let applyTo = EnvoyFilter.ApplyTo(rawValue: name) { return applyTo }
        if httpKinds.contains(name) {
            field.error("\(name) is not supported until Lifeline has an HTTP connection manager", &diagnostics)
        } else if name == "INVALID" {
            field.error("needs applyTo", &diagnostics)
        } else if applyToNumbers.values.contains(name) {
            let supported = EnvoyFilter.ApplyTo.allCases.map(\.rawValue).joined(separator: ", ")
            field.error("\(name) is not supported by Lifeline; applyTo may be \(supported)", &diagnostics)
        } else {
            let known = applyToNumbers.sorted { $0.key < $1.key }.dropFirst().map(\.value).joined(separator: ", ")
            field.error("unknown applyTo \(JSONText.quote(name)); expected one of \(known)", &diagnostics)
        }
        return nil
    }

    private static func decodePatch(
        _ field: SpecValue,
        applyTo: EnvoyFilter.ApplyTo?,
        _ diagnostics: inout Diagnostics
    ) -> (EnvoyFilter.Operation?, SpecValue?) {
        guard var object = field.object(&diagnostics) else { return (nil, nil) }
        let operationField = object.take("operation", &diagnostics)
        var operation = operationField.flatMap { decodeOperation($0, &diagnostics) }
        let value = object.take("value", &diagnostics)
        if let filterClass = object.take("filter_class", &diagnostics),
            let name = filterClass.enumName("filterClass", numbers: [0: "UNSPECIFIED"], &diagnostics),
            name != "UNSPECIFIED"
        {
            filterClass.error(
                "filterClass places HTTP filters; not supported until Lifeline has an HTTP connection manager",
                &diagnostics
            )
        }
        object.finish(&diagnostics)

        guard let chosen = operation else {
            if operationField == nil { field.error("needs an operation", &diagnostics) }
            return (nil, value)
        }
        if let applyTo, !applyTo.operations.contains(chosen), let operationField {
            let allowed = applyTo.operations.map(\.rawValue).joined(separator: ", ")
            operationField.error(
                "\(chosen.rawValue) is not valid with applyTo \(applyTo.rawValue) (istiod would ignore the patch); "
                    + "use one of \(allowed)",
                &diagnostics
            )
            operation = nil
        }
        if let value {
            checkValue(value, applyTo: applyTo, operation: chosen, &diagnostics)
        } else if chosen != .remove {
            field.error("\(chosen.rawValue) needs a value", &diagnostics)
        }
        return (operation, value)
    }

    private static func decodeOperation(_ field: SpecValue, _ diagnostics: inout Diagnostics) -> EnvoyFilter.Operation?
    {
        guard let name = field.enumName("operation", numbers: operationNumbers, &diagnostics) else { return nil }
        if let operation = EnvoyFilter.Operation(rawValue: name) { return operation }
        switch name {
        case "INVALID":
            field.error("needs an operation", &diagnostics)
        case "MERGE_AND_REPLACE_LIST":
            field.error("MERGE_AND_REPLACE_LIST is not supported by Lifeline", &diagnostics)
        default:
            let known = EnvoyFilter.Operation.allCases.map(\.rawValue).joined(separator: ", ")
            field.error("unknown operation \(JSONText.quote(name)); expected one of \(known)", &diagnostics)
        }
        return nil
    }

    /// What istiod's validation rejects in a value (it must decode to the Envoy message), and what its patchers would
    /// silently drop.
    private static func checkValue(
        _ value: SpecValue,
        applyTo: EnvoyFilter.ApplyTo?,
        operation: EnvoyFilter.Operation,
        _ diagnostics: inout Diagnostics
    ) {
        guard let entries = value.tree.entries else {
            value.error(
                "expected an object (the Envoy config to \(operation.rawValue)), found \(value.tree.kindDescription)",
                &diagnostics
            )
            return
        }
        if operation == .remove {
            value.warning("REMOVE takes no value; this one is ignored", &diagnostics)
            return
        }
        checkTypedConfigs(value, &diagnostics)
        if applyTo == .networkFilter && operation == .merge {
            for entry in entries where !["name", "typed_config"].contains(FieldNames.snakeCase(entry.key)) {
                diagnostics.warning(
                    value.path.appending(entry.key).description,
                    "ignored: istiod merges only name and typed_config into a network filter",
                    location: entry.keyLocation
                )
            }
        }
    }

    /// A `typed_config` is a `google.protobuf.Any`: without `@type` istiod cannot decode it and rejects the filter.
    private static func checkTypedConfigs(_ value: SpecValue, _ diagnostics: inout Diagnostics) {
        switch value.tree.value {
        case .object(let entries):
            for entry in entries {
                let child = SpecValue(tree: entry.value, path: value.path.appending(entry.key))
                if FieldNames.snakeCase(entry.key) == "typed_config", let fields = entry.value.entries,
                    !fields.isEmpty, entry.value["@type"] == nil
                {
                    child.error("typed_config needs an \"@type\"", &diagnostics)
                }
                checkTypedConfigs(child, &diagnostics)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                checkTypedConfigs(SpecValue(tree: element, path: value.path.appending(index: index)), &diagnostics)
            }
        default:
            break
        }
    }
}
