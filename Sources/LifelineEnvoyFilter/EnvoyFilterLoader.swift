public import LifelineConfig

/// Reads Istio `EnvoyFilter` resources from YAML or JSON files, as operators have them: one resource, several
/// documents (`---`), or a `kind: List` with `items` as `kubectl get envoyfilter -A -o yaml` prints it.
///
/// Every EnvoyFilter must be `networking.istio.io/v1alpha3`, the only version Istio serves it as; a resource of
/// another kind is skipped with a warning. Fields may be spelled `snake_case` or `lowerCamelCase`, as proto-JSON
/// allows. Kubernetes bookkeeping (`status`, `metadata.uid`, `resourceVersion`, `annotations`, …) is ignored.
///
/// What makes a resource unusable whatever gateway reads it (an unreadable file, bad YAML, a wrong `apiVersion`, a
/// missing name, a filter defined twice) is an error here. What is wrong in a filter's `spec` is kept on the filter
/// (``EnvoyFilter/specDiagnostics``) and reported by ``EnvoyFilterApplier`` only if the filter applies to the
/// gateway, so that filters meant for other workloads never fail it. Either way every problem in every file is
/// named by its path inside the filter document (`spec.configPatches[0].match.listener.portNumbr: unknown field`);
/// when a file holds several filters, the path starts with the filter's `namespace/name` (or `document N` when that
/// is not unique) so that it stays unambiguous.
public enum EnvoyFilterLoader {
    /// The `apiVersion` of an EnvoyFilter: Istio serves the kind in no other version.
    public static let apiVersion = "networking.istio.io/v1alpha3"

    /// Loads every EnvoyFilter in `paths`, numbering them in order (``EnvoyFilter/sourceOrder``): files in the
    /// order given, then documents and `List` items in the order written. The warnings name the resources skipped
    /// for not being EnvoyFilters.
    public static func load(
        paths: [String]
    ) throws(ConfigError) -> (filters: [EnvoyFilter], warnings: [ConfigDiagnostic]) {
        var diagnostics = Diagnostics()
        var filters: [EnvoyFilter] = []
        for path in paths {
            do throws(ConfigError) {
                let documents = try ConfigLoader.loadDocuments(path: path, noun: "EnvoyFilter file")
                filters += decode(documents, file: path, firstOrder: filters.count, &diagnostics)
            } catch {
                diagnostics.append(contentsOf: error.diagnostics)
            }
        }
        reportDuplicates(filters, &diagnostics)
        guard !diagnostics.hasErrors else { throw ConfigError(diagnostics: diagnostics.all) }
        return (filters, diagnostics.warnings)
    }

    /// Parses the EnvoyFilters in `text`, read as the file `file`; they are numbered from 0.
    public static func parse(
        _ text: String,
        file: String = "<envoyfilter>"
    ) throws(ConfigError) -> (filters: [EnvoyFilter], warnings: [ConfigDiagnostic]) {
        var diagnostics = Diagnostics()
        let documents = try ConfigLoader.parseDocuments(text, file: file)
        let filters = decode(documents, file: file, firstOrder: 0, &diagnostics)
        reportDuplicates(filters, &diagnostics)
        guard !diagnostics.hasErrors else { throw ConfigError(diagnostics: diagnostics.all) }
        return (filters, diagnostics.warnings)
    }

    /// One resource to decode: a document, or an item of a `List` document.
    private struct Resource {
        let tree: ConfigTree
        /// From 1, as people count documents.
        let document: Int
        let item: Int?
    }

    private static func decode(
        _ documents: [ConfigTree],
        file: String,
        firstOrder: Int,
        _ diagnostics: inout Diagnostics
    ) -> [EnvoyFilter] {
        var resources: [Resource] = []
        for (index, document) in documents.enumerated() where !document.isNull {
            let number = index + 1
            let place = "\(file) document \(number)"
            guard document.entries != nil else {
                diagnostics.error(
                    place,
                    "expected an EnvoyFilter, found \(document.kindDescription)",
                    location: document.location
                )
                continue
            }
            if document.protoField("kind")?.text == "List" {
                guard let items = document.protoField("items")?.elements else {
                    diagnostics.error(place, "a List needs items", location: document.location)
                    continue
                }
                for (itemIndex, item) in items.enumerated()
                where isEnvoyFilter(item, place: "\(place) items[\(itemIndex)]", &diagnostics) {
                    resources.append(Resource(tree: item, document: number, item: itemIndex))
                }
            } else if isEnvoyFilter(document, place: place, &diagnostics) {
                resources.append(Resource(tree: document, document: number, item: nil))
            }
        }
        let labels = documentLabels(resources)
        return resources.enumerated().compactMap { index, resource in
            EnvoyFilterDecoder.decode(
                resource.tree,
                document: labels[index],
                sourceOrder: firstOrder + index,
                &diagnostics
            )
        }
    }

    /// Whether `tree` is an EnvoyFilter to decode. A resource of another kind is skipped with a warning (a `List`
    /// from `kubectl get` may hold anything); one that names no kind is an error, since it cannot be told apart.
    private static func isEnvoyFilter(_ tree: ConfigTree, place: String, _ diagnostics: inout Diagnostics) -> Bool {
        guard tree.entries != nil else {
            diagnostics.error(place, "expected an EnvoyFilter, found \(tree.kindDescription)", location: tree.location)
            return false
        }
        guard let kind = tree.protoField("kind") else {
            diagnostics.error(place, "needs kind: EnvoyFilter", location: tree.location)
            return false
        }
        guard kind.text == "EnvoyFilter" else {
            diagnostics.warning(
                place,
                "skipped: kind \(kind.text ?? kind.description) is not EnvoyFilter",
                location: kind.location
            )
            return false
        }
        return true
    }

    /// Names for the resources of one file: none when it holds one filter; otherwise `namespace/name`, or
    /// `document N` (`document N items[M]`) when the name is missing or not unique in the file.
    private static func documentLabels(_ resources: [Resource]) -> [String?] {
        if resources.count == 1 && resources[0].item == nil { return [nil] }
        let names: [String?] = resources.map { resource in
            let metadata = resource.tree.protoField("metadata")
            guard let name = metadata?.protoField("name")?.text, !name.isEmpty else { return nil }
            return "\(metadata?.protoField("namespace")?.text ?? "default")/\(name)"
        }
        return zip(resources, names).map { resource, name in
            if let name, names.count(where: { $0 == name }) == 1 { return name }
            return "document \(resource.document)" + (resource.item.map { " items[\($0)]" } ?? "")
        }
    }

    /// Kubernetes would keep one resource per namespace and name; two in the files is a mistake worth stopping for.
    private static func reportDuplicates(_ filters: [EnvoyFilter], _ diagnostics: inout Diagnostics) {
        var first: [String: EnvoyFilter] = [:]
        for filter in filters {
            if let earlier = first[filter.qualifiedName] {
                let place = earlier.origin.location.map { " (first at \($0))" } ?? ""
                let document = filter.origin.path.isEmpty ? nil : filter.origin.path
                diagnostics.error(
                    ConfigPath([.key("metadata"), .key("name")]).description(inDocument: document),
                    "EnvoyFilter \(filter.qualifiedName) is defined twice\(place)",
                    location: filter.origin.location
                )
            } else {
                first[filter.qualifiedName] = filter
            }
        }
    }
}
