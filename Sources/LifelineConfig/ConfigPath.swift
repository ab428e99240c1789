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
}
