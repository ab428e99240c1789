import Synchronization

/// Counters of one listener or cluster, named as Envoy names them.
///
/// A listener keeps the `downstream_*` counters and the tcp_proxy's `idle_timeout`; a cluster keeps `upstream_*`.
/// Every close is counted once, by why it happened: closed here (`destroy_local`), FIN from the peer
/// (`destroy_remote`), RST from the peer (`destroy_remote_reset`), keepalive probes unanswered (`keepalive_timeout`),
/// sent data unacknowledged past TCP_USER_TIMEOUT (`user_timeout`), or tcp_proxy's `idle_timeout`. A connection no
/// filter chain takes is closed at once and counted as `no_filter_chain_match`; TLS handshakes are counted by outcome
/// under Envoy's `ssl.*` names, and `tls_inspector` give-ups under theirs. A cluster's HTTP pools count connections by
/// protocol, requests (`upstream_rq_*`, with the gauges `upstream_rq_active` and `upstream_rq_pending_active`),
/// circuit-breaker overflows, and HTTP/2 PING timeouts (`http2.keepalive_timeout`).
/// Updated on the event loops without locks.
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
        case listenerFiltersTimeout = "downstream_pre_cx_timeout"
        case clientHelloTooLarge = "tls_inspector.client_hello_too_large"
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
        // http_connection_manager (kept on the listener, as Envoy keeps `http.<stat_prefix>.*`) and its router.
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
    }

    private let downstreamConnectionsTotal = Atomic<Int>(0)
    private let downstreamConnectionsActive = Atomic<Int>(0)
    private let downstreamConnectionsDestroyed = Atomic<Int>(0)
    private let downstreamClosedLocally = Atomic<Int>(0)
    private let downstreamClosedByRemote = Atomic<Int>(0)
    private let downstreamReset = Atomic<Int>(0)
    private let downstreamKeepaliveTimeout = Atomic<Int>(0)
    private let downstreamUserTimeout = Atomic<Int>(0)
    private let downstreamIdleTimeout = Atomic<Int>(0)
    private let downstreamBytesReceived = Atomic<Int>(0)
    private let downstreamBytesSent = Atomic<Int>(0)
    private let downstreamFlowControlPaused = Atomic<Int>(0)
    private let idleTimeout = Atomic<Int>(0)
    private let noFilterChainMatch = Atomic<Int>(0)
    private let downstreamAcceptBackoff = Atomic<Int>(0)
    private let listenerFiltersTimeout = Atomic<Int>(0)
    private let clientHelloTooLarge = Atomic<Int>(0)
    private let sslHandshake = Atomic<Int>(0)
    private let sslNoCertificate = Atomic<Int>(0)
    private let sslFailVerifyNoCertificate = Atomic<Int>(0)
    private let sslFailVerifyError = Atomic<Int>(0)
    private let sslFailVerifySAN = Atomic<Int>(0)
    private let sslConnectionError = Atomic<Int>(0)
    private let upstreamConnectionsTotal = Atomic<Int>(0)
    private let upstreamConnectionsActive = Atomic<Int>(0)
    private let upstreamClosedLocally = Atomic<Int>(0)
    private let upstreamClosedByRemote = Atomic<Int>(0)
    private let upstreamReset = Atomic<Int>(0)
    private let upstreamKeepaliveTimeout = Atomic<Int>(0)
    private let upstreamUserTimeout = Atomic<Int>(0)
    private let upstreamIdleTimeout = Atomic<Int>(0)
    private let upstreamConnectFailures = Atomic<Int>(0)
    private let upstreamConnectTimeouts = Atomic<Int>(0)
    private let upstreamFlowControlPaused = Atomic<Int>(0)
    private let downstreamRequestsTotal = Atomic<Int>(0)
    private let downstreamRequests1xx = Atomic<Int>(0)
    private let downstreamRequests2xx = Atomic<Int>(0)
    private let downstreamRequests3xx = Atomic<Int>(0)
    private let downstreamRequests4xx = Atomic<Int>(0)
    private let downstreamRequests5xx = Atomic<Int>(0)
    private let downstreamRequestsActive = Atomic<Int>(0)
    private let downstreamHTTP1Total = Atomic<Int>(0)
    private let downstreamHTTP2Total = Atomic<Int>(0)
    private let downstreamRequestTimeout = Atomic<Int>(0)
    private let downstreamRequestHeaderTimeout = Atomic<Int>(0)
    private let downstreamRequestIdleTimeout = Atomic<Int>(0)
    private let downstreamRequestMaxDurationReached = Atomic<Int>(0)
    private let downstreamRequestRxReset = Atomic<Int>(0)
    private let downstreamRequestTxReset = Atomic<Int>(0)
    private let downstreamProtocolError = Atomic<Int>(0)
    private let downstreamMaxDurationReached = Atomic<Int>(0)
    private let noRoute = Atomic<Int>(0)
    private let noCluster = Atomic<Int>(0)
    private let upstreamRequestTimeout = Atomic<Int>(0)
    private let upstreamRequestRetry = Atomic<Int>(0)
    private let http2KeepaliveTimeout = Atomic<Int>(0)
    private let http2TooManyPings = Atomic<Int>(0)
    private let upstreamConnectionsHTTP1Total = Atomic<Int>(0)
    private let upstreamConnectionsHTTP2Total = Atomic<Int>(0)
    private let upstreamConnectionsMaxRequests = Atomic<Int>(0)
    private let upstreamConnectionsOverflow = Atomic<Int>(0)
    private let upstreamRequestsTotal = Atomic<Int>(0)
    private let upstreamRequestsActive = Atomic<Int>(0)
    private let upstreamRequestsPendingTotal = Atomic<Int>(0)
    private let upstreamRequestsPendingActive = Atomic<Int>(0)
    private let upstreamRequestsPendingOverflow = Atomic<Int>(0)
    private let upstreamConnectionsCloseNotify = Atomic<Int>(0)

    public init() {}

    private func with<R>(_ name: Name, _ body: (borrowing Atomic<Int>) -> R) -> R {
        switch name {
        case .downstreamConnectionsTotal: body(downstreamConnectionsTotal)
        case .downstreamConnectionsActive: body(downstreamConnectionsActive)
        case .downstreamConnectionsDestroyed: body(downstreamConnectionsDestroyed)
        case .downstreamClosedLocally: body(downstreamClosedLocally)
        case .downstreamClosedByRemote: body(downstreamClosedByRemote)
        case .downstreamReset: body(downstreamReset)
        case .downstreamKeepaliveTimeout: body(downstreamKeepaliveTimeout)
        case .downstreamUserTimeout: body(downstreamUserTimeout)
        case .downstreamIdleTimeout: body(downstreamIdleTimeout)
        case .downstreamBytesReceived: body(downstreamBytesReceived)
        case .downstreamBytesSent: body(downstreamBytesSent)
        case .downstreamFlowControlPaused: body(downstreamFlowControlPaused)
        case .idleTimeout: body(idleTimeout)
        case .noFilterChainMatch: body(noFilterChainMatch)
        case .downstreamAcceptBackoff: body(downstreamAcceptBackoff)
        case .listenerFiltersTimeout: body(listenerFiltersTimeout)
        case .clientHelloTooLarge: body(clientHelloTooLarge)
        case .sslHandshake: body(sslHandshake)
        case .sslNoCertificate: body(sslNoCertificate)
        case .sslFailVerifyNoCertificate: body(sslFailVerifyNoCertificate)
        case .sslFailVerifyError: body(sslFailVerifyError)
        case .sslFailVerifySAN: body(sslFailVerifySAN)
        case .sslConnectionError: body(sslConnectionError)
        case .upstreamConnectionsTotal: body(upstreamConnectionsTotal)
        case .upstreamConnectionsActive: body(upstreamConnectionsActive)
        case .upstreamClosedLocally: body(upstreamClosedLocally)
        case .upstreamClosedByRemote: body(upstreamClosedByRemote)
        case .upstreamReset: body(upstreamReset)
        case .upstreamKeepaliveTimeout: body(upstreamKeepaliveTimeout)
        case .upstreamUserTimeout: body(upstreamUserTimeout)
        case .upstreamIdleTimeout: body(upstreamIdleTimeout)
        case .upstreamConnectFailures: body(upstreamConnectFailures)
        case .upstreamConnectTimeouts: body(upstreamConnectTimeouts)
        case .upstreamFlowControlPaused: body(upstreamFlowControlPaused)
        case .downstreamRequestsTotal: body(downstreamRequestsTotal)
        case .downstreamRequests1xx: body(downstreamRequests1xx)
        case .downstreamRequests2xx: body(downstreamRequests2xx)
        case .downstreamRequests3xx: body(downstreamRequests3xx)
        case .downstreamRequests4xx: body(downstreamRequests4xx)
        case .downstreamRequests5xx: body(downstreamRequests5xx)
        case .downstreamRequestsActive: body(downstreamRequestsActive)
        case .downstreamHTTP1Total: body(downstreamHTTP1Total)
        case .downstreamHTTP2Total: body(downstreamHTTP2Total)
        case .downstreamRequestTimeout: body(downstreamRequestTimeout)
        case .downstreamRequestHeaderTimeout: body(downstreamRequestHeaderTimeout)
        case .downstreamRequestIdleTimeout: body(downstreamRequestIdleTimeout)
        case .downstreamRequestMaxDurationReached: body(downstreamRequestMaxDurationReached)
        case .downstreamRequestRxReset: body(downstreamRequestRxReset)
        case .downstreamRequestTxReset: body(downstreamRequestTxReset)
        case .downstreamProtocolError: body(downstreamProtocolError)
        case .downstreamMaxDurationReached: body(downstreamMaxDurationReached)
        case .noRoute: body(noRoute)
        case .noCluster: body(noCluster)
        case .upstreamRequestTimeout: body(upstreamRequestTimeout)
        case .upstreamRequestRetry: body(upstreamRequestRetry)
        case .http2KeepaliveTimeout: body(http2KeepaliveTimeout)
        case .http2TooManyPings: body(http2TooManyPings)
        case .upstreamConnectionsHTTP1Total: body(upstreamConnectionsHTTP1Total)
        case .upstreamConnectionsHTTP2Total: body(upstreamConnectionsHTTP2Total)
        case .upstreamConnectionsMaxRequests: body(upstreamConnectionsMaxRequests)
        case .upstreamConnectionsOverflow: body(upstreamConnectionsOverflow)
        case .upstreamRequestsTotal: body(upstreamRequestsTotal)
        case .upstreamRequestsActive: body(upstreamRequestsActive)
        case .upstreamRequestsPendingTotal: body(upstreamRequestsPendingTotal)
        case .upstreamRequestsPendingActive: body(upstreamRequestsPendingActive)
        case .upstreamRequestsPendingOverflow: body(upstreamRequestsPendingOverflow)
        case .upstreamConnectionsCloseNotify: body(upstreamConnectionsCloseNotify)
        }
    }

    public func increment(_ name: Name, by amount: Int = 1) {
        with(name) { _ = $0.add(amount, ordering: .relaxed) }
    }

    public func decrement(_ name: Name) {
        with(name) { _ = $0.subtract(1, ordering: .relaxed) }
    }

    public subscript(_ name: Name) -> Int {
        with(name) { $0.load(ordering: .relaxed) }
    }

    /// Every counter by its Envoy name.
    public var snapshot: [String: Int] {
        Dictionary(uniqueKeysWithValues: Name.allCases.map { ($0.rawValue, self[$0]) })
    }
}
