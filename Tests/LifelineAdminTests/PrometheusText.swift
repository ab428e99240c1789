/// Reads the Prometheus text exposition back for assertions: each series keyed by its name and labels (sorted by
/// label name, so the key does not depend on the order they were written in), and each metric's `# TYPE`.
enum PrometheusText {
    static func series(_ text: String) -> [String: Double] {
        var series: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            var key = String(line[..<space])
            if let open = key.firstIndex(of: "{"), key.hasSuffix("}") {
                let name = key[..<open]
                let labels = key[key.index(after: open)..<key.index(before: key.endIndex)]
                    .split(separator: ",").map(String.init).sorted()
                key = labels.isEmpty ? String(name) : "\(name){\(labels.joined(separator: ","))}"
            }
            series[key] = value
        }
        return series
    }

    static func types(_ text: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let fields = line.split(separator: " ")
            if fields.count == 4 { types[String(fields[2])] = String(fields[3]) }
        }
        return types
    }
}
