/// Where a value was written: file, line and column (both from 1).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `bootstrap.yaml:12:9`.
    public var description: String { "\(file):\(line):\(column)" }
}
