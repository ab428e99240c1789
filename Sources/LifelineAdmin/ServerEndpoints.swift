import Foundation
import LifelinePlan
public import LifelineProxy
import LifelineSocket
import Logging
import NIOCore

/// The admin endpoints about the server as a whole: readiness and health check, server info, log level, the running
/// plan, listeners and clusters — Envoy's paths and formats.
public struct ServerEndpoints: Sendable {
    public var state: ServerState
    public var logControl: LogControl
    public var gateway: Gateway
    public var version: String
    /// The options the process runs with, for `/server_info`'s `command_line_options`.
    public var commandLineOptions: [String: String]
    /// The running plan as `lifeline check --json` prints it (provenance of every option, no key material).
    public var configDump: @Sendable () async -> String

    public init(
        state: ServerState,
        logControl: LogControl,
        gateway: Gateway,
        version: String,
        commandLineOptions: [String: String],
        configDump: @escaping @Sendable () async -> String
    ) {
        self.state = state
        self.logControl = logControl
        self.gateway = gateway
        self.version = version
        self.commandLineOptions = commandLineOptions
        self.configDump = configDump
    }

    public var routes: [AdminRoute] {
        let endpoints = self
        return [
            AdminRoute(method: "GET", path: "/ready", help: "print server state, return 200 if LIVE, otherwise 503") {
                _ in endpoints.ready()
            },
            AdminRoute(method: "GET", path: "/server_info", help: "print server version/status information") { _ in
                endpoints.serverInfo()
            },
            AdminRoute(method: "POST", path: "/healthcheck/fail", help: "cause the server to fail health checks") {
                _ in
                endpoints.state.setHealthCheckFailed(true)
                return AdminResponse(body: "OK\n")
            },
            AdminRoute(method: "POST", path: "/healthcheck/ok", help: "cause the server to pass health checks") { _ in
                endpoints.state.setHealthCheckFailed(false)
                return AdminResponse(body: "OK\n")
            },
            AdminRoute(method: "POST", path: "/logging", help: "print the log level; change it with ?level=debug") {
                request in
                endpoints.logging(request)
            },
            AdminRoute(
                method: "GET",
                path: "/config_dump",
                help: "dump the running plan: socket options with their provenance, filter chains, clusters"
            ) { _ in .json(await endpoints.configDump()) },
            AdminRoute(method: "GET", path: "/listeners", help: "print listener info: ?format=json") { request in
                endpoints.listeners(request)
            },
            AdminRoute(method: "GET", path: "/clusters", help: "print upstream cluster status: ?format=json") {
                request in await endpoints.clusters(request)
            },
        ]
    }

    func ready() -> AdminResponse {
        let phase = state.reported
        return AdminResponse(status: phase == .live ? 200 : 503, body: "\(phase)\n")
    }

    func serverInfo() -> AdminResponse {
        let uptime = "\(Int(state.uptime.components.seconds))s"
        let info: [String: Any] = [
            "version": "lifeline/\(version)",
            "state": "\(state.reported)",
            "uptime_current_epoch": uptime,
            "uptime_all_epochs": uptime,
            "hot_restart_version": "disabled",
            "command_line_options": commandLineOptions,
        ]
        return .json(Self.json(info))
    }

    func logging(_ request: AdminRequest) -> AdminResponse {
        if let text = request.parameter("level") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                return AdminResponse(
                    status: 400,
                    body:
                        "error: unknown log level \"\(text)\": trace, debug, info, notice, warning, error or critical\n"
                )
            }
            logControl.setLevel(level)
        } else if let other = request.query.first {
            return AdminResponse(status: 400, body: "error: unknown parameter \"\(other.name)\"; use ?level=LEVEL\n")
        }
        return AdminResponse(body: "active loggers:\n  lifeline: \(logControl.currentLevel)\n")
    }

    func listeners(_ request: AdminRequest) -> AdminResponse {
        let listeners = gateway.listeners
        if request.parameter("format") == "json" {
            let statuses: [[String: Any]] = listeners.map { listener in
                [
                    "name": listener.plan.name,
                    "local_address": [
                        "socket_address": [
                            "address": listener.plan.address.host,
                            "port_value": listener.localPort ?? listener.plan.address.port,
                        ]
                    ],
                ]
            }
            return .json(Self.json(["listener_statuses": statuses]))
        }
        let lines = listeners.map { listener in
            let port = listener.localPort ?? listener.plan.address.port
            let host =
                listener.plan.address.host.contains(":")
                ? "[\(listener.plan.address.host)]" : listener.plan.address.host
            return "\(listener.plan.name)::\(host):\(port)\n"
        }
        return AdminResponse(body: lines.joined())
    }

    /// Envoy's `/clusters`: per cluster, per host `cx_active` (the host's open connections, from the connection
    /// table), `cx_total`, `cx_connect_fail` and its health.
    func clusters(_ request: AdminRequest) async -> AdminResponse {
        let clusters = gateway.clusters.sorted { $0.key < $1.key }.map(\.value)
        var active: [String: Int] = [:]
        for connection in await gateway.connections() where connection.direction == .upstream {
            active["\(connection.cluster ?? "")|\(connection.peer)", default: 0] += 1
        }
        struct Host {
            var address: String
            var port: Int
            var active: Int
            var total: Int
            var failures: Int
        }
        func hosts(_ cluster: UpstreamCluster) -> [Host] {
            zip(cluster.endpoints, cluster.hostStats).map { endpoint, stats in
                let address = endpoint.ipAddress ?? "\(endpoint)"
                let port = endpoint.port ?? 0
                let peer = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
                return Host(
                    address: address,
                    port: port,
                    active: active["\(cluster.plan.name)|\(peer)", default: 0],
                    total: stats.connections,
                    failures: stats.failures
                )
            }
        }
        if request.parameter("format") == "json" {
            let statuses: [[String: Any]] = clusters.map { cluster in
                [
                    "name": cluster.plan.name,
                    "host_statuses": hosts(cluster).map { host in
                        [
                            "address": ["socket_address": ["address": host.address, "port_value": host.port]],
                            "stats": [
                                ["name": "cx_connect_fail", "value": host.failures],
                                ["name": "cx_total", "value": host.total],
                                ["name": "cx_active", "type": "GAUGE", "value": host.active],
                            ],
                            "health_status": ["eds_health_status": "HEALTHY"],
                        ] as [String: Any]
                    },
                ]
            }
            return .json(Self.json(["cluster_statuses": statuses]))
        }
        var lines: [String] = []
        for cluster in clusters {
            let name = cluster.plan.name
            lines.append("\(name)::observability_name::\(name)")
            for host in hosts(cluster) {
                let prefix = "\(name)::\(host.address.contains(":") ? "[\(host.address)]" : host.address):\(host.port)"
                lines += [
                    "\(prefix)::cx_active::\(host.active)",
                    "\(prefix)::cx_connect_fail::\(host.failures)",
                    "\(prefix)::cx_total::\(host.total)",
                    "\(prefix)::health_flags::healthy",
                ]
            }
        }
        return AdminResponse(body: lines.map { $0 + "\n" }.joined())
    }

    /// Sorted-key JSON, so that output is stable.
    static func json(_ object: Any) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
