public import LifelineConfig
import LifelineSocket

/// Turns a configured `socket_options` entry into a literal option for this platform.
public enum SocketOptionResolver {
    public static func resolve(
        _ config: SocketOptionConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> PlannedSocketOption? {
        let origin = config.origin
        func fail(_ field: String, _ message: String) {
            diagnostics.append(
                ConfigDiagnostic(
                    path: "\(origin.path).\(field)",
                    message: message,
                    location: origin.location,
                    provenance: origin.provenance
                )
            )
        }

        var level: Int32?
        switch config.level {
        case .number(let number):
            level = Int32(number)
        case .symbol(let symbol):
            level = SocketOptionNames.levels[symbol]
            if level == nil {
                let known = SocketOptionNames.levels.keys.sorted().joined(separator: ", ")
                fail("level", "unknown level \(JSONText.quote(symbol)); expected a number or one of \(known)")
            }
        }

        var name: Int32?
        switch config.name {
        case .number(let number):
            name = Int32(number)
        case .symbol(let symbol):
            if let entry = SocketOptionNames.entry(optionName: symbol) {
                name = entry.name
                if let level, level != entry.level {
                    fail("name", "\(symbol) belongs to level \(entry.levelName), not \(config.level)")
                    name = nil
                }
            } else if SocketOptionNames.otherPlatformNames.contains(symbol) {
                fail("name", "\(symbol) is not available on this platform")
            } else {
                fail("name", "unknown socket option \(JSONText.quote(symbol))")
            }
        }

        guard let level, let name else { return nil }
        let value: SocketOption.Value
        switch config.value {
        case .int(let number): value = .int(Int32(number))
        case .bytes(let bytes): value = .bytes(bytes)
        }
        var written: String?
        if case .number = config.level, case .number = config.name {
            written = "level \(level) name \(name)"
        }
        guard let state = SocketState(rawValue: config.state.rawValue) else { return nil }
        return PlannedSocketOption(
            option: SocketOption(level: level, name: name, value: value, state: state),
            description: config.description,
            source: KeepaliveOptions.source(origin),
            written: written
        )
    }
}
