import LifelinePlan
import LifelineRelay
import LifelineSocket
import NIOCore

extension UpstreamCluster {
    /// Whether the relay can carry this cluster's connections: it moves bytes untouched, so not when TLS is
    /// originated to the endpoints.
    var isRelayEligible: Bool { tls == nil }

    /// The relay settings for one connection to `endpoint` (an address of ``endpoints``): the cluster's socket
    /// options, buffer limit and connect timeout, and the chain's `idle_timeout`.
    func relaySettings(to endpoint: SocketAddress, idleTimeout: Duration?) -> RelaySettings? {
        guard let host = endpoint.ipAddress, let port = endpoint.port,
            let address = IPEndpoint(host: host, port: port)
        else { return nil }
        return RelaySettings(
            upstream: address,
            upstreamOptions: plan.upstreamSocketOptions.map(\.option),
            bufferLimitBytes: plan.bufferLimitBytes,
            idleTimeout: idleTimeout,
            connectTimeout: plan.connectTimeout
        )
    }
}
