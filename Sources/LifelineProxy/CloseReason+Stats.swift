extension CloseReason {
    /// The counter of a downstream connection closed for this reason (`downstream_cx_destroy_local`, …).
    var downstreamCounter: ProxyStats.Name {
        switch self {
        case .local: .downstreamClosedLocally
        case .remoteFIN: .downstreamClosedByRemote
        case .remoteReset: .downstreamReset
        case .keepaliveTimeout: .downstreamKeepaliveTimeout
        case .userTimeout: .downstreamUserTimeout
        case .idleTimeout: .downstreamIdleTimeout
        }
    }

    /// The counter of an upstream connection closed for this reason (`upstream_cx_destroy_local`, …).
    var upstreamCounter: ProxyStats.Name {
        switch self {
        case .local: .upstreamClosedLocally
        case .remoteFIN: .upstreamClosedByRemote
        case .remoteReset: .upstreamReset
        case .keepaliveTimeout: .upstreamKeepaliveTimeout
        case .userTimeout: .upstreamUserTimeout
        case .idleTimeout: .upstreamIdleTimeout
        }
    }
}
