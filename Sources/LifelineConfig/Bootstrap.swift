/// The subset of Envoy's v3 `Bootstrap` that Lifeline runs (`envoy.config.bootstrap.v3.Bootstrap`).
public struct Bootstrap: Sendable {
    /// `admin`: where the admin endpoint listens, if anywhere.
    public var admin: AdminConfig?
    /// `static_resources.listeners`.
    public var listeners: [ListenerConfig]
    /// `static_resources.clusters`.
    public var clusters: [ClusterConfig]
    /// `overload_manager.resource_monitors[]` `envoy.resource_monitors.global_downstream_max_connections`: the cap
    /// on downstream connections of all listeners together; nil leaves Lifeline's default (from the fd limit).
    public var globalConnectionLimit: GlobalConnectionLimitConfig?

    public init(
        admin: AdminConfig? = nil,
        listeners: [ListenerConfig] = [],
        clusters: [ClusterConfig] = [],
        globalConnectionLimit: GlobalConnectionLimitConfig? = nil
    ) {
        self.admin = admin
        self.listeners = listeners
        self.clusters = clusters
        self.globalConnectionLimit = globalConnectionLimit
    }
}

/// `envoy.config.bootstrap.v3.Admin`.
public struct AdminConfig: Sendable {
    /// `admin.address.socket_address`.
    public var address: SocketAddressConfig
    public var origin: ConfigOrigin

    public init(address: SocketAddressConfig, origin: ConfigOrigin) {
        self.address = address
        self.origin = origin
    }
}

/// `envoy.config.core.v3.SocketAddress` (TCP only).
public struct SocketAddressConfig: Sendable, Hashable {
    /// `address`: an IP literal for listeners and STATIC endpoints, a host name for DNS clusters.
    public var address: String
    /// `port_value`.
    public var portValue: Int
    public var origin: ConfigOrigin

    public init(address: String, portValue: Int, origin: ConfigOrigin) {
        self.address = address
        self.portValue = portValue
        self.origin = origin
    }
}
