import Foundation

/// Hostile YAML texts for the loader's limits.
public enum YAMLBombs {
    /// An alias bomb: `levels` anchors, each a list of `fanOut` references to the one before, the last used once —
    /// a few hundred bytes that expand to `fanOut^levels` scalars. `prefix` goes before it (e.g. an EnvoyFilter's
    /// head) and `use` is the line that references the last anchor, `*a{levels - 1}` filled in for `ALIAS`.
    public static func aliasBomb(levels: Int = 10, fanOut: Int = 9, use: String) -> String {
        var lines = ["a0: &a0 [" + Array(repeating: "x", count: fanOut).joined(separator: ", ") + "]"]
        for level in 1..<levels {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: fanOut).joined(separator: ", ")
                    + "]"
            )
        }
        lines.append(use.replacingOccurrences(of: "ALIAS", with: "*a\(levels - 1)"))
        return lines.joined(separator: "\n") + "\n"
    }
}
