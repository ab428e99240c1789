public import LifelineProxy

/// Which stats `/stats` and `/stats/prometheus` show, from the request's `?filter=REGEX` and `?usedonly`, as Envoy
/// reads them: the regex need only match part of the full dotted name; `usedonly` drops stats never written.
public struct StatsSelection {
    /// `filter`; nil shows every name.
    public var filter: Regex<AnyRegexOutput>?
    /// `usedonly`.
    public var usedOnly: Bool

    /// A `filter` that is no regex: answered 400 with the reason, as Envoy does.
    public struct InvalidFilter: Error, CustomStringConvertible {
        public var pattern: String
        public var reason: String

        public var description: String { "Invalid regex: \(reason): \(pattern)" }
    }

    public init(filter: Regex<AnyRegexOutput>? = nil, usedOnly: Bool = false) {
        self.filter = filter
        self.usedOnly = usedOnly
    }

    /// Reads `filter` and `usedonly` from the request's query.
    public init(_ request: AdminRequest) throws(InvalidFilter) {
        usedOnly = request.has("usedonly")
        guard let pattern = request.parameter("filter"), !pattern.isEmpty else {
            filter = nil
            return
        }
        do {
            filter = try Regex(pattern)
        } catch {
            throw InvalidFilter(pattern: pattern, reason: "\(error)")
        }
    }

    /// The samples selected, in the order given.
    public func select(_ samples: [StatSample]) -> [StatSample] {
        samples.filter { sample in
            if usedOnly && !sample.used { return false }
            guard let filter else { return true }
            return sample.name.contains(filter)
        }
    }
}
