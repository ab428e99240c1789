import LifelineConfig

/// A field inside one EnvoyFilter document, printed as `spec.configPatches[0].applyTo`, or
/// `istio-system/gateway-keepalive: spec.configPatches[0].applyTo` when the file holds several filters and the
/// document must be named for the path to be unambiguous.
struct FilterFieldPath: CustomStringConvertible {
    /// The document's name within its file (`namespace/name`, or `document 2`); `nil` in a one-filter file.
    var document: String?
    var path: ConfigPath

    init(document: String? = nil, path: ConfigPath = .root) {
        self.document = document
        self.path = path
    }

    func appending(_ key: String) -> FilterFieldPath {
        FilterFieldPath(document: document, path: path.appending(key))
    }

    func appending(index: Int) -> FilterFieldPath {
        FilterFieldPath(document: document, path: path.appending(index: index))
    }

    var description: String {
        guard let document else { return path.description }
        let inner = path.description
        return inner.isEmpty ? document : "\(document): \(inner)"
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
}
