/// One request to the admin endpoint, as a route sees it.
public struct AdminRequest: Sendable, Equatable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path without the query: `/stats`.
    public var path: String
    /// The query's parameters in order; a parameter without `=` has the empty value (`?usedonly`).
    public var query: [(name: String, value: String)]

    public init(method: String, path: String, query: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
    }

    /// The first value of a query parameter, nil when absent.
    public func parameter(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Whether a query parameter is present, with or without a value.
    public func has(_ name: String) -> Bool {
        query.contains { $0.name == name }
    }

    public static func == (lhs: AdminRequest, rhs: AdminRequest) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path
            && lhs.query.map { [$0.name, $0.value] } == rhs.query.map { [$0.name, $0.value] }
    }
}

/// What answers one admin path.
public typealias AdminHandler = @Sendable (AdminRequest) async -> AdminResponse
