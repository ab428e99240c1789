import Foundation
import LifelineTestSupport

/// Python's `prometheus_client.parser`, the reference reader of the text exposition format, run on an exposition.
enum PythonPrometheusParser {
    struct Families {
        var names: Set<String>
        var types: [String: String]
        var samples: Int
    }

    struct ParserFailed: Error {
        var message: String
    }

    static let script = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            print(family.name, family.type, len(family.samples))
        """

    static var isAvailable: Bool {
        (try? ExternalCommand(["python3", "-c", "import prometheus_client.parser"]).run().status) == 0
    }

    static func parse(_ exposition: String) throws -> Families {
        let output = try ExternalCommand(["python3", "-c", script], standardInput: Data(exposition.utf8)).run()
        guard output.status == 0 else { throw ParserFailed(message: output.standardError) }
        var families = Families(names: [], types: [:], samples: 0)
        for line in output.text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let count = Int(fields[2]) else { continue }
            families.names.insert(String(fields[0]))
            families.types[String(fields[0])] = String(fields[1])
            families.samples += count
        }
        return families
    }
}
