import LifelineConfig

/// One field of an EnvoyFilter document with its path. The typed readers report a path-named error and return
/// `nil` on a bad value, so that reading goes on and every problem is found.
struct SpecValue {
    let tree: ConfigTree
    let path: FilterFieldPath

    func error(_ message: String, _ diagnostics: inout Diagnostics) {
        diagnostics.error(path.description, message, location: tree.location)
    }

    func warning(_ message: String, _ diagnostics: inout Diagnostics) {
        diagnostics.warning(path.description, message, location: tree.location)
    }

    func string(_ diagnostics: inout Diagnostics) -> String? {
        guard let text = tree.text else {
            error("expected a string, found \(tree.kindDescription)", &diagnostics)
            return nil
        }
        return text
    }

    /// A proto integer in `range`, written as a number or quoted.
    func integer(in range: ClosedRange<Int64>, _ diagnostics: inout Diagnostics) -> Int64? {
        switch tree.value {
        case .number, .string: break
        default:
            error("expected an integer, found \(tree.kindDescription)", &diagnostics)
            return nil
        }
        guard let number = tree.integer else {
            error("expected an integer, found \(tree)", &diagnostics)
            return nil
        }
        guard range.contains(number) else {
            error("\(number) is out of range \(range.lowerBound)...\(range.upperBound)", &diagnostics)
            return nil
        }
        return number
    }

    /// A proto enum written by name or by number; returns the name. Whether the name is one the caller accepts is
    /// the caller's to say.
    func enumName(_ type: String, numbers: [Int: String], _ diagnostics: inout Diagnostics) -> String? {
        switch tree.value {
        case .string(let name):
            return name
        case .number(let text):
            if let number = Int(text), let name = numbers[number] { return name }
            error("unknown \(type) number \(text)", &diagnostics)
            return nil
        default:
            error("expected a \(type) name or number, found \(tree.kindDescription)", &diagnostics)
            return nil
        }
    }

    func elements(_ diagnostics: inout Diagnostics) -> [SpecValue]? {
        guard let elements = tree.elements else {
            error("expected a list, found \(tree.kindDescription)", &diagnostics)
            return nil
        }
        return elements.enumerated().map { SpecValue(tree: $1, path: path.appending(index: $0)) }
    }

    func object(_ diagnostics: inout Diagnostics) -> SpecObject? {
        SpecObject(self, &diagnostics)
    }

    /// A `map<string, string>`, such as label sets.
    func stringMap(_ diagnostics: inout Diagnostics) -> [String: String]? {
        guard let entries = tree.entries else {
            if tree.isNull { return [:] }
            error("expected a map of strings, found \(tree.kindDescription)", &diagnostics)
            return nil
        }
        var map: [String: String] = [:]
        for entry in entries {
            let value = SpecValue(tree: entry.value, path: path.appending(entry.key))
            if let text = value.string(&diagnostics) {
                map[entry.key] = text
            }
        }
        return map
    }
}
