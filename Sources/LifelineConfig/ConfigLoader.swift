import Foundation
import Yams

/// Reads YAML or JSON documents into ``ConfigTree``s, keeping file, line and column of every value.
///
/// JSON is read by the same parser (JSON is YAML's flow style), so both formats give positions. Plain YAML scalars
/// resolve as in JSON: `true`/`false`, `null`/`~`, numbers; everything else, and every quoted scalar, is a string.
public enum ConfigLoader {
    /// Loads every document in a file (`---` separated). `noun` names the file in the error when it cannot be read:
    /// `cannot read <noun> <path>: No such file or directory`.
    public static func loadDocuments(path: String, noun: String = "config file") throws(ConfigError) -> [ConfigTree] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(diagnostics: [
                ConfigDiagnostic(path: "", message: "cannot read \(noun) \(path): \(Self.reason(error))")
            ])
        }
        return try parseDocuments(text, file: path)
    }

    /// Loads a file that must hold exactly one document.
    public static func loadDocument(path: String) throws(ConfigError) -> ConfigTree {
        let documents = try loadDocuments(path: path)
        return try single(documents, file: path)
    }

    /// Parses one document from text.
    public static func parseDocument(_ text: String, file: String = "<config>") throws(ConfigError) -> ConfigTree {
        try single(try parseDocuments(text, file: file), file: file)
    }

    /// Parses every document in a text.
    public static func parseDocuments(_ text: String, file: String = "<config>") throws(ConfigError) -> [ConfigTree] {
        var documents: [ConfigTree] = []
        var conversion = Conversion(file: file)
        do {
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                documents.append(conversion.convert(node, path: "", depth: 0))
            }
        } catch let error as YamlError {
            throw ConfigError(diagnostics: [syntaxError(error, file: file)])
        } catch {
            throw ConfigError(diagnostics: [
                ConfigDiagnostic(path: "", message: "\(file): cannot parse: \(error)")
            ])
        }
        guard conversion.diagnostics.isEmpty else { throw ConfigError(diagnostics: conversion.diagnostics) }
        return documents
    }

    private static func single(_ documents: [ConfigTree], file: String) throws(ConfigError) -> ConfigTree {
        guard documents.count == 1 else {
            let message =
                documents.isEmpty
                ? "\(file) is empty" : "\(file) holds \(documents.count) documents; a bootstrap config is one document"
            throw ConfigError(diagnostics: [ConfigDiagnostic(path: "", message: message)])
        }
        return documents[0]
    }

    /// Deeper nesting than any Envoy config needs is refused before it can exhaust the stack.
    public static let maximumDepth = 100

    /// The most values that YAML aliases may expand to in one document. Aliases are YAML, and Envoy configs use them
    /// (yaml-cpp expands them); a budget this size never constrains a real config and stops an alias bomb (anchors
    /// nesting many references to each other: a few hundred bytes expanding to billions of values) in milliseconds.
    public static let maximumAliasExpansion = 100_000

    /// Turns composed YAML nodes into trees. The composer hands an alias over as a copy of the anchored node (same
    /// anchor, same position), so a second sighting of an anchored node is an alias being expanded; every value
    /// converted inside an expansion counts against ``ConfigLoader/maximumAliasExpansion``.
    private struct Conversion {
        let file: String
        var diagnostics: [ConfigDiagnostic] = []
        var anchoredNodes: Set<String> = []
        /// Values converted inside alias expansions so far.
        var expanded = 0
        /// How many alias expansions the node being converted is inside.
        var expansionDepth = 0
        var budgetExceeded = false

        mutating func convert(_ node: Node, path: String, depth: Int) -> ConfigTree {
            let location = node.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
            var isAlias = false
            if let anchor = node.anchor {
                let identity = "\(anchor.rawValue)@\(location?.line ?? 0):\(location?.column ?? 0)"
                isAlias = !anchoredNodes.insert(identity).inserted
            }
            if isAlias || expansionDepth > 0 {
                expanded += 1
                if budgetExceeded { return ConfigTree(.null, location: location) }
                if expanded > ConfigLoader.maximumAliasExpansion {
                    budgetExceeded = true
                    diagnostics.append(
                        ConfigDiagnostic(
                            path: path,
                            message: "YAML aliases expand to more than \(ConfigLoader.maximumAliasExpansion) values "
                                + "(an alias bomb?); refused here",
                            location: location
                        )
                    )
                    return ConfigTree(.null, location: location)
                }
            }
            if isAlias { expansionDepth += 1 }
            defer { if isAlias { expansionDepth -= 1 } }
            guard depth < ConfigLoader.maximumDepth else {
                diagnostics.append(
                    ConfigDiagnostic(
                        path: path,
                        message: "nested more than \(ConfigLoader.maximumDepth) levels deep",
                        location: location
                    )
                )
                return ConfigTree(.null, location: location)
            }
            switch node {
            case .scalar(let scalar):
                return ConfigTree(ConfigLoader.resolve(scalar), location: location)
            case .sequence(let sequence):
                var elements: [ConfigTree] = []
                for (index, element) in sequence.enumerated() {
                    elements.append(convert(element, path: "\(path)[\(index)]", depth: depth + 1))
                }
                return ConfigTree(.array(elements), location: location)
            case .mapping(let mapping):
                var entries: [ConfigTree.Entry] = []
                for (key, value) in mapping {
                    let keyLocation = key.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
                    guard case .scalar(let keyScalar) = key else {
                        diagnostics.append(
                            ConfigDiagnostic(
                                path: path,
                                message: "a mapping key must be a plain string",
                                location: keyLocation
                            )
                        )
                        continue
                    }
                    let name = keyScalar.string
                    entries.append(
                        ConfigTree.Entry(
                            key: name,
                            value: convert(value, path: path.isEmpty ? name : "\(path).\(name)", depth: depth + 1),
                            keyLocation: keyLocation
                        )
                    )
                }
                return ConfigTree(.object(entries), location: location)
            case .alias:
                diagnostics.append(
                    ConfigDiagnostic(path: path, message: "YAML aliases are not supported", location: location)
                )
                return ConfigTree(.null, location: location)
            }
        }
    }

    private static func resolve(_ scalar: Node.Scalar) -> ConfigTree.Value {
        let text = scalar.string
        guard scalar.style == .plain else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        return isNumber(text) ? .number(text) : .string(text)
    }

    /// JSON's number grammar, with an optional leading `+` as YAML allows.
    static func isNumber(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "-" || scalars.first == "+" { scalars = scalars.dropFirst() }
        func digits() -> Int {
            let count = scalars.prefix { ("0"..."9").contains($0) }.count
            scalars = scalars.dropFirst(count)
            return count
        }
        guard digits() > 0 else { return false }
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            guard digits() > 0 else { return false }
        }
        if scalars.first == "e" || scalars.first == "E" {
            scalars = scalars.dropFirst()
            if scalars.first == "-" || scalars.first == "+" { scalars = scalars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return scalars.isEmpty
    }

    private static func syntaxError(_ error: YamlError, file: String) -> ConfigDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text); " } ?? ""
            return ConfigDiagnostic(
                path: "",
                message: "syntax error: \(prefix)\(problem)",
                location: SourceLocation(file: file, line: mark.line, column: mark.column)
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigDiagnostic(
                path: "",
                message: "duplicate key \(duplicates.joined(separator: ", ")) in one mapping",
                location: SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            )
        default:
            return ConfigDiagnostic(path: "", message: "\(file): syntax error: \(error)")
        }
    }

    /// The operating system's words for why a file could not be read (`No such file or directory`), when Foundation
    /// passes them on; its own sentence otherwise.
    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        let underlying = nsError.userInfo[NSUnderlyingErrorKey]
        // Newer Foundation passes the errno on as a POSIXError, older as an NSError in NSPOSIXErrorDomain.
        if let posix = underlying as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        if let underlying = underlying as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
