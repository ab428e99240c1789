/// Envoy's global cap on downstream connections: the `overload_manager` resource monitor
/// `envoy.resource_monitors.global_downstream_max_connections`
/// (`envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig`). Past the cap a new
/// connection is closed as soon as it is accepted and counted as `downstream_global_cx_overflow`; the connections
/// already open are not touched.
public struct GlobalConnectionLimitConfig: Sendable {
    /// The `@type` of the monitor's `typed_config`, which is what picks the monitor, as in Envoy.
    public static let typeURL =
        "type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig"

    /// `max_active_downstream_connections` (greater than 0): the connections all listeners together may hold.
    public var maxActiveDownstreamConnections: Int64
    /// Where `max_active_downstream_connections` is written.
    public var origin: ConfigOrigin

    public init(maxActiveDownstreamConnections: Int64, origin: ConfigOrigin) {
        self.maxActiveDownstreamConnections = maxActiveDownstreamConnections
        self.origin = origin
    }
}
