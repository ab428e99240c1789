/// Why the TLS inspector closed a connection instead of handing it on; named after Envoy's `tls_inspector.*` and
/// listener stats.
public enum TLSInspectorRejection: String, Sendable, Hashable {
    /// `tls_inspector.client_hello_too_large`: no decision within the byte limit.
    case clientHelloTooLarge = "client_hello_too_large"
    /// `downstream_pre_cx_timeout`: the listener filter timeout expired and the listener does not continue on it.
    case timeout = "downstream_pre_cx_timeout"
    /// `tls_inspector.connection_closed`: the client closed (or ended its input) before a decision.
    case connectionClosed = "connection_closed"
}
