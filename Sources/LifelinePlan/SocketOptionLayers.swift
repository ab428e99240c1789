public import LifelineConfig
import LifelineSocket

/// Options from several sources, resolved by precedence: explicit `socket_options` beat named settings
/// (`tcp_keepalive`, `tcp_user_timeout`, `enable_reuse_port`), which beat Lifeline's defaults.
///
/// Only the winner of each (level, name) is applied, whatever its state, so a default at STATE_LISTENING can never
/// undo an explicit option at STATE_PREBIND. An explicit or named source overriding another explicit or named source
/// is a warning naming both; overriding a default is what defaults are for, and is only recorded.
struct SocketOptionLayers {
    enum Layer: Int, Comparable {
        case builtIn = 0
        case named = 1
        case explicit = 2

        static func < (lhs: Layer, rhs: Layer) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var entries: [(option: PlannedSocketOption, layer: Layer, origin: ConfigOrigin?)] = []

    mutating func add(_ option: PlannedSocketOption, layer: Layer, origin: ConfigOrigin? = nil) {
        entries.append((option, layer, origin))
    }

    /// The winners, in the order their sources were added; warnings for contested options.
    func resolve(warnings: inout [ConfigDiagnostic]) -> [PlannedSocketOption] {
        resolveWithLayers(warnings: &warnings).map(\.option)
    }

    /// ``resolve(warnings:)``, with the layer each winner came from.
    func resolveWithLayers(warnings: inout [ConfigDiagnostic]) -> [(option: PlannedSocketOption, layer: Layer)] {
        var winners: [Int] = []
        for (index, entry) in entries.enumerated() {
            let key = (entry.option.option.level, entry.option.option.name)
            if let position = winners.firstIndex(where: {
                entries[$0].option.option.level == key.0 && entries[$0].option.option.name == key.1
            }) {
                let current = entries[winners[position]]
                if entry.layer >= current.layer {
                    winners[position] = index
                }
            } else {
                winners.append(index)
            }
        }
        winners.sort()
        return winners.map { winnerIndex in
            let winner = entries[winnerIndex]
            var option = winner.option
            for (index, loser) in entries.enumerated() where index != winnerIndex {
                guard loser.option.option.level == option.option.level, loser.option.option.name == option.option.name
                else { continue }
                let lost = "\(loser.option.valueText) from \(loser.option.source)"
                option.overrides.append(lost)
                if loser.layer != .builtIn {
                    let what = "\(option.option.displayName)=\(option.valueText)"
                    let message = "\(what) overrides \(lost)"
                    if let origin = winner.origin {
                        warnings.append(origin.diagnostic(message, severity: .warning))
                    } else {
                        warnings.append(ConfigDiagnostic(severity: .warning, path: option.source, message: message))
                    }
                }
            }
            return (option, winner.layer)
        }
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
}
