import Foundation
public import LifelineAdmin
import LifelineProxy
public import Logging

/// Writes log lines to standard error, as text or one JSON object per line, at the level a ``LogControl`` holds now
/// (so `POST /logging?level=debug` takes effect on every logger at once).
public struct LifelineLogHandler: LogHandler {
    private let label: String
    private let control: LogControl
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(label: String, control: LogControl) {
        self.label = label
        self.control = control
    }

    public var logLevel: Logger.Level {
        get { control.currentLevel }
        // The level belongs to the process, not to one logger: set it through the LogControl.
        set {}
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        let line: String
        switch control.format {
        case .text:
            // swift-log's StreamLogHandler layout, which log tooling already reads.
            let pairs = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            line = "\(LogTimestamp.now()) \(event.level) \(label) :\(pairs) [\(event.source)] \(event.message)\n"
        case .json:
            var object: [String: Any] = [
                "time": LogTimestamp.now(), "level": "\(event.level)", "logger": label, "message": "\(event.message)",
            ]
            for (key, value) in merged {
                object[key] = Self.jsonValue(value)
            }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): "\(convertible)"
        case .array(let values): values.map(jsonValue)
        case .dictionary(let entries): entries.mapValues(jsonValue)
        }
    }
}
