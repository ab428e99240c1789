/// One admin endpoint: the path it answers, the method it requires, and the help line the index lists.
public struct AdminRoute: Sendable {
    /// `GET` for a route that only reads (Envoy's admin then answers any method, as Envoy does), `POST` for one that
    /// changes the server, which answers 405 to anything else.
    public var method: String
    /// Matched exactly against the request's path, without the query.
    public var path: String
    /// What the route does, one line, as the 404 listing shows it.
    public var help: String
    public var handler: AdminHandler

    public init(method: String = "GET", path: String, help: String, handler: @escaping AdminHandler) {
        self.method = method
        self.path = path
        self.help = help
        self.handler = handler
    }
}
