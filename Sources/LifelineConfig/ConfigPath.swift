/// A path to a field, printed as `static_resources.listeners[0].socket_options[2].state`.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public static let root = ConfigPath()

    public func appending(_ key: String) -> ConfigPath {
        ConfigPath(components + [.key(key)])
    }

    public func appending(index: Int) -> ConfigPath {
        ConfigPath(components + [.index(index)])
    }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// The path inside one document of a file that holds several: `istio-system/gw: spec.priority`, or the
    /// document's name alone for the document itself; without a `document`, the path alone.
    package func description(inDocument document: String?) -> String {
        guard let document else { return description }
        let inner = description
        return inner.isEmpty ? document : "\(document): \(inner)"
    }
}
