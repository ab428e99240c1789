import Foundation
public import LifelineProxy

/// Routes the admin server can be given, grouped by what they serve.
public enum AdminRoutes {
    /// `GET /connections` (text, `?format=json`, `?listener=`, `?cluster=`) and `GET /`, the live connections page.
    public static func connections(gateway: Gateway) -> [AdminRoute] {
        connections { await gateway.connections() }
    }

    /// The same routes over any source of snapshots.
    public static func connections(
        source: @escaping @Sendable () async -> [ConnectionSnapshot]
    ) -> [AdminRoute] {
        [
            AdminRoute(
                path: "/connections",
                help: "live downstream and upstream connections with keepalive settings and TCP_INFO "
                    + "(format=json; listener=NAME; cluster=NAME)"
            ) { request in
                render(filter(await source(), by: request), format: request.parameter("format"))
            },
            AdminRoute(path: "/", help: "the live connections page") { _ in
                AdminResponse(status: 200, contentType: "text/html; charset=UTF-8", body: ConnectionsPage.html)
            },
        ]
    }

    /// Keeps the connections whose listener and cluster match the request's `listener=` and `cluster=`.
    static func filter(_ connections: [ConnectionSnapshot], by request: AdminRequest) -> [ConnectionSnapshot] {
        let listener = request.parameter("listener")
        let cluster = request.parameter("cluster")
        return connections.filter { connection in
            (listener == nil || connection.listener == listener) && (cluster == nil || connection.cluster == cluster)
        }
    }

    static func render(_ connections: [ConnectionSnapshot], format: String?) -> AdminResponse {
        switch format {
        case nil, "text":
            return AdminResponse(body: ConnectionsText.render(connections))
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(connections) else {
                return AdminResponse(status: 500, body: "cannot encode the connections\n")
            }
            return .json(String(decoding: data, as: UTF8.self) + "\n")
        case let other?:
            return AdminResponse(status: 400, body: "unknown format \"\(other)\"; use text or json\n")
        }
    }
}
