/// JSON string quoting, shared by every place that prints JSON.
public enum JSONText {
    /// `"text"` with JSON escapes.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where escapesAsHex(control):
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Control characters (C0, DEL, C1), the Unicode line and paragraph separators and the byte-order mark: written
    /// as `\uXXXX` so that the text reads back unchanged whether it is parsed as JSON or as YAML, which rejects or
    /// folds them when they appear raw.
    static func escapesAsHex(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF: true
        default: false
        }
    }
}
