/// Counters of one listener or cluster, named as Envoy names them.
///
/// A listener keeps the `downstream_*` counters and the tcp_proxy's `idle_timeout`; a cluster keeps `upstream_*`.
/// Every close is counted once, by why it happened: closed here (`destroy_local`), FIN from the peer
/// (`destroy_remote`), RST from the peer (`destroy_remote_reset`), keepalive probes unanswered (`keepalive_timeout`),
/// sent data unacknowledged past TCP_USER_TIMEOUT (`user_timeout`), or tcp_proxy's `idle_timeout`. A connection no
/// filter chain takes is closed at once and counted as `no_filter_chain_match`, one past the global connection cap as
/// `downstream_global_cx_overflow`; TLS handshakes are counted by outcome
/// under Envoy's `ssl.*` names, and `tls_inspector` give-ups under theirs. A cluster's HTTP pools count connections by
/// protocol, requests (`upstream_rq_*`, with the gauges `upstream_rq_active` and `upstream_rq_pending_active`),
/// circuit-breaker overflows, and HTTP/2 PING timeouts (`http2.keepalive_timeout`).
/// Updated on the event loops without locks or shared atomics: each loop writes its own shard (``StatsShards``), a
/// read sums them. A listener's chains count into the listener's scope and into their own (`http.<stat_prefix>`,
/// `tcp.<stat_prefix>`), as Envoy counts a connection in both; ``StatsStore`` keeps the scopes by name.
public final class ProxyStats: Sendable {
    /// The counters and gauges kept.
    public enum Name: String, Sendable, CaseIterable {
        case downstreamConnectionsTotal = "downstream_cx_total"
        case downstreamConnectionsActive = "downstream_cx_active"
        case downstreamConnectionsDestroyed = "downstream_cx_destroy"
        case downstreamClosedLocally = "downstream_cx_destroy_local"
        case downstreamClosedByRemote = "downstream_cx_destroy_remote"
        case downstreamReset = "downstream_cx_destroy_remote_reset"
        case downstreamKeepaliveTimeout = "downstream_cx_keepalive_timeout"
        case downstreamUserTimeout = "downstream_cx_user_timeout"
        case downstreamIdleTimeout = "downstream_cx_idle_timeout"
        case downstreamBytesReceived = "downstream_cx_rx_bytes_total"
        case downstreamBytesSent = "downstream_cx_tx_bytes_total"
        case downstreamFlowControlPaused = "downstream_flow_control_paused_reading_total"
        case idleTimeout = "idle_timeout"
        case noFilterChainMatch = "no_filter_chain_match"
        case downstreamAcceptBackoff = "downstream_cx_accept_backoff"
        /// A connection closed at accept because the gateway's global connection cap was reached.
        case downstreamGlobalOverflow = "downstream_global_cx_overflow"
        case listenerFiltersTimeout = "downstream_pre_cx_timeout"
        case clientHelloTooLarge = "tls_inspector.client_hello_too_large"
        // proxy_protocol (shown under `proxy_proto.[<stat_prefix>.]`, its errors also at the root).
        case proxyProtocolV1Found = "versions.v1.found"
        case proxyProtocolV1Disallowed = "versions.v1.disallowed"
        case proxyProtocolV1Error = "versions.v1.error"
        case proxyProtocolV2Found = "versions.v2.found"
        case proxyProtocolV2Disallowed = "versions.v2.disallowed"
        case proxyProtocolV2Error = "versions.v2.error"
        case proxyProtocolNotFoundAllowed = "not_found_allowed"
        case proxyProtocolNotFoundDisallowed = "not_found_disallowed"
        /// A connection the filter closed for a malformed header, or for none where one is required.
        case proxyProtocolError = "downstream_cx_proxy_proto_error"
        case sslHandshake = "ssl.handshake"
        case sslNoCertificate = "ssl.no_certificate"
        case sslFailVerifyNoCertificate = "ssl.fail_verify_no_cert"
        case sslFailVerifyError = "ssl.fail_verify_error"
        case sslFailVerifySAN = "ssl.fail_verify_san"
        case sslConnectionError = "ssl.connection_error"
        case upstreamConnectionsTotal = "upstream_cx_total"
        case upstreamConnectionsActive = "upstream_cx_active"
        case upstreamClosedLocally = "upstream_cx_destroy_local"
        case upstreamClosedByRemote = "upstream_cx_destroy_remote"
        case upstreamReset = "upstream_cx_destroy_remote_reset"
        case upstreamKeepaliveTimeout = "upstream_cx_keepalive_timeout"
        case upstreamUserTimeout = "upstream_cx_user_timeout"
        case upstreamIdleTimeout = "upstream_cx_idle_timeout"
        case upstreamConnectFailures = "upstream_cx_connect_fail"
        case upstreamConnectTimeouts = "upstream_cx_connect_timeout"
        case upstreamFlowControlPaused = "upstream_flow_control_paused_reading_total"
        // http_connection_manager and its router (shown under `http.<stat_prefix>.`).
        case downstreamRequestsTotal = "downstream_rq_total"
        case downstreamRequests1xx = "downstream_rq_1xx"
        case downstreamRequests2xx = "downstream_rq_2xx"
        case downstreamRequests3xx = "downstream_rq_3xx"
        case downstreamRequests4xx = "downstream_rq_4xx"
        case downstreamRequests5xx = "downstream_rq_5xx"
        case downstreamRequestsActive = "downstream_rq_active"
        case downstreamHTTP1Total = "downstream_cx_http1_total"
        case downstreamHTTP2Total = "downstream_cx_http2_total"
        case downstreamRequestTimeout = "downstream_rq_timeout"
        case downstreamRequestHeaderTimeout = "downstream_rq_header_timeout"
        case downstreamRequestIdleTimeout = "downstream_rq_idle_timeout"
        case downstreamRequestMaxDurationReached = "downstream_rq_max_duration_reached"
        case downstreamRequestRxReset = "downstream_rq_rx_reset"
        case downstreamRequestTxReset = "downstream_rq_tx_reset"
        case downstreamProtocolError = "downstream_cx_protocol_error"
        case downstreamMaxDurationReached = "downstream_cx_max_duration_reached"
        case noRoute = "no_route"
        case noCluster = "no_cluster"
        case upstreamRequestTimeout = "upstream_rq_timeout"
        case upstreamRequestRetry = "upstream_rq_retry"
        case http2KeepaliveTimeout = "http2.keepalive_timeout"
        case http2TooManyPings = "http2.too_many_pings"
        // Downstream HTTP/2 connections ended for a flood (GOAWAY ENHANCE_YOUR_CALM); see HTTP2Flood.
        case http2InboundEmptyFramesFlood = "http2.inbound_empty_frames_flood"
        case http2OutboundControlFlood = "http2.outbound_control_flood"
        case http2HeaderListSizeTooLarge = "http2.header_list_size_too_large"
        case downstreamRequestsTooManyPrematureResets = "downstream_rq_too_many_premature_resets"
        case upstreamConnectionsHTTP1Total = "upstream_cx_http1_total"
        case upstreamConnectionsHTTP2Total = "upstream_cx_http2_total"
        case upstreamConnectionsMaxRequests = "upstream_cx_max_requests"
        case upstreamConnectionsOverflow = "upstream_cx_overflow"
        case upstreamRequestsTotal = "upstream_rq_total"
        case upstreamRequestsActive = "upstream_rq_active"
        case upstreamRequestsPendingTotal = "upstream_rq_pending_total"
        case upstreamRequestsPendingActive = "upstream_rq_pending_active"
        case upstreamRequestsPendingOverflow = "upstream_rq_pending_overflow"
        case upstreamConnectionsCloseNotify = "upstream_cx_close_notify"
        // connection_limit (shown under `connection_limit.<stat_prefix>.`).
        /// A connection refused because its chain held `max_connections` already.
        case connectionLimitLimited = "limited_connections"
        /// Connections the filter saw that are open now, those refused but not yet closed included (as Envoy
        /// counts them).
        case connectionLimitActive = "active_connections"
    }

    /// What ``subscript(_:)`` reads: one listener's own counts, which its chains count into too, so it holds the
    /// listener's totals; or a cluster's scope.
    private let primary: StatsScopeStorage
    /// The scopes counted besides: the listener's named scope, a chain's `http.*` or `tcp.*`, the root.
    let scopes: [StatsScopeStorage]
    /// Per name (by ordinal), those of ``scopes`` that show it.
    private let further: [[StatsScopeStorage]]

    /// Counters of their own, in no store (for a listener or cluster made without one).
    public convenience init() {
        self.init(primary: StatsScopeStorage(scope: .listener("")))
    }

    /// Counts into `primary`, and into each of `further` that shows the name.
    init(primary: StatsScopeStorage, further: [StatsScopeStorage] = []) {
        self.primary = primary
        self.scopes = further
        self.further = Name.allCases.map { name in further.filter { $0.scope.shown.contains(name) } }
    }

    var primaryStorage: StatsScopeStorage { primary }
    var primaryScope: StatScope { primary.scope }

    public func increment(_ name: Name, by amount: Int = 1) {
        let shard = StatsShards.current
        primary.add(amount, to: name, shard: shard)
        for scope in further[name.ordinal] {
            scope.add(amount, to: name, shard: shard)
        }
    }

    public func decrement(_ name: Name) {
        increment(name, by: -1)
    }

    /// The value summed over every event loop.
    public subscript(_ name: Name) -> Int {
        primary.value(of: name)
    }

    /// Every counter of the primary scope by its Envoy name.
    public var snapshot: [String: Int] {
        Dictionary(uniqueKeysWithValues: Name.allCases.map { ($0.rawValue, self[$0]) })
    }
}

extension ProxyStats.Name {
    /// The case's position in `allCases`: a payload-free enum is laid out as its declaration index.
    var ordinal: Int {
        Int(unsafeBitCast(self, to: UInt8.self))
    }

    /// Gauges (`*_active`) go up and down; everything else only counts up.
    public var kind: StatSample.Kind {
        switch self {
        case .downstreamConnectionsActive, .downstreamRequestsActive, .upstreamConnectionsActive,
            .upstreamRequestsActive, .upstreamRequestsPendingActive, .connectionLimitActive:
            .gauge
        default: .counter
        }
    }
}
