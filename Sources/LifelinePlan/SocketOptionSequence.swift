import LifelineConfig
import LifelineSocket

/// Every option a socket receives, in the order it receives them, as Envoy applies them.
///
/// Options are applied by state — STATE_PREBIND, then STATE_BOUND, then STATE_LISTENING — and within a state in the
/// order Envoy adds them: built-in options first (SO_REUSEADDR on listeners, Lifeline's keepalive defaults), then named
/// settings (`enable_reuse_port`, `tcp_keepalive`, `tcp_user_timeout`), then `socket_options` in config order. Every
/// option is applied; the value a socket keeps is the last one applied for its (level, name), whatever the order the
/// config listed them in. The plan keeps them all and marks which one the socket keeps.
struct SocketOptionSequence {
    /// Where an option came from; within one state, earlier kinds are applied first.
    enum Kind: Int, Comparable {
        case builtIn = 0
        case named = 1
        case explicit = 2

        static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var entries: [(option: PlannedSocketOption, kind: Kind, origin: ConfigOrigin?)] = []

    mutating func add(_ option: PlannedSocketOption, kind: Kind, origin: ConfigOrigin? = nil) {
        entries.append((option, kind, origin))
    }

    /// Whether any option added so far sets one of `keys`.
    func sets(any keys: [(level: Int32, name: Int32)]) -> Bool {
        entries.contains { entry in
            keys.contains { $0.level == entry.option.option.level && $0.name == entry.option.option.name }
        }
    }

    /// The options in application order, each contested one marked with what it replaced or what replaced it; a
    /// warning wherever a configured value is replaced by a different configured value.
    func resolve(warnings: inout [ConfigDiagnostic]) -> [PlannedSocketOption] {
        let order = entries.indices.sorted { lhs, rhs in
            let left = entries[lhs]
            let right = entries[rhs]
            if left.option.option.state != right.option.option.state {
                return left.option.option.state < right.option.option.state
            }
            if left.kind != right.kind { return left.kind < right.kind }
            return lhs < rhs
        }
        var options = order.map { entries[$0].option }
        for (position, index) in order.enumerated() {
            let entry = entries[index]
            let key = entry.option.option
            let group = order.indices.filter {
                let other = entries[order[$0]].option.option
                return other.level == key.level && other.name == key.name
            }
            guard group.count > 1 else { continue }
            let keeper = group.last!
            if position == keeper {
                options[position].kept = true
                for earlier in group.dropLast() {
                    let lost = entries[order[earlier]]
                    options[position].overrides.append(lost.option.appliedText)
                    if lost.kind != .builtIn, lost.option.option.value != key.value {
                        let message =
                            "\(key.displayName)=\(entry.option.valueText) at \(key.state.protoName) replaces "
                            + "\(lost.option.appliedText), which is applied before it"
                        if let origin = entry.origin {
                            warnings.append(origin.diagnostic(message, severity: .warning))
                        } else {
                            warnings.append(
                                ConfigDiagnostic(severity: .warning, path: entry.option.source, message: message)
                            )
                        }
                    }
                }
            } else {
                options[position].kept = false
                options[position].replacedBy = entries[order[keeper]].option.appliedText
            }
        }
        return options
    }
}

extension PlannedSocketOption {
    /// `15`, or `4 bytes` for a buffer.
    var valueText: String {
        switch option.value {
        case .int(let number): "\(number)"
        case .bytes(let bytes): "\(bytes.count) bytes"
        }
    }

    /// `120 at STATE_PREBIND from static_resources.listeners[0].socket_options[1]`.
    var appliedText: String {
        "\(valueText) at \(option.state.protoName) from \(source)"
    }
}
