/// Picks the route for a request and answers what no route answers, the way Envoy's admin does: an unknown path gets
/// 404 with the list of endpoints and their help, a `POST` route asked with another method gets 405.
public struct AdminRouter: Sendable {
    public let routes: [AdminRoute]

    public init(routes: [AdminRoute]) {
        self.routes = routes
    }

    /// The response to `request`: the route's own, or 404 or 405.
    public func respond(to request: AdminRequest) async -> AdminResponse {
        guard let route = routes.first(where: { $0.path == request.path }) else {
            return AdminResponse(status: 404, body: index)
        }
        if route.method != "GET", request.method != route.method {
            return AdminResponse(status: 405, body: "Method \(request.method) not allowed, \(route.method) required.")
        }
        return await route.handler(request)
    }

    /// `invalid path. admin commands are:` and one line per route, sorted by path, `(POST)` after a changing one.
    public var index: String {
        var text = "invalid path. admin commands are:\n"
        for route in routes.sorted(by: { $0.path < $1.path }) {
            let method = route.method == "GET" ? "" : " (\(route.method))"
            text += "  \(route.path)\(method): \(route.help)\n"
        }
        return text
    }
}
