public import Logging
import Synchronization

/// The process's log level, changed at run time by `POST /logging?level=`, and the line format chosen at start.
public final class LogControl: Sendable {
    /// How each log line is written.
    public enum Format: String, Sendable, CaseIterable {
        /// `2026-11-30T04:00:00.000Z info lifeline : key=value … [Module] message`
        case text
        /// One JSON object per line: `time`, `level`, `logger`, `message` and every metadata key.
        case json
    }

    private let level: Atomic<Int>
    public let format: Format

    public init(level: Logger.Level, format: Format = .text) {
        self.level = Atomic(Self.index(level))
        self.format = format
    }

    public var currentLevel: Logger.Level {
        Logger.Level.allCases[level.load(ordering: .relaxed)]
    }

    public func setLevel(_ newLevel: Logger.Level) {
        level.store(Self.index(newLevel), ordering: .relaxed)
    }

    private static func index(_ level: Logger.Level) -> Int {
        Logger.Level.allCases.firstIndex(of: level) ?? 2
    }
}
