import LifelineConfig
public import LifelinePlan
import LifelineSocket
public import NIOCore
import NIOSSL
import Synchronization

/// A cluster at run time: resolved endpoint addresses, the load balancer and its stats.
public final class UpstreamCluster: Sendable {
    public let plan: ClusterPlan
    public let endpoints: [SocketAddress]
    /// Per endpoint, in the order of ``endpoints``.
    public let hostStats: [UpstreamHostStats]
    public let stats: ProxyStats
    /// The plan's upstream socket options as NIO channel options, set before each connect.
    let channelOptions: [(ChannelOptions.Types.SocketOption, SocketOptionValue)]
    /// The TLS context of the cluster's `transport_socket`, made once; nil sends bytes as they are.
    let tls: NIOSSLContext?
    private let next = Atomic<Int>(0)

    /// Resolves the cluster's endpoints: IP literals directly, DNS names (STRICT_DNS, LOGICAL_DNS) once, now.
    /// - Parameter stats: the cluster's counters, e.g. from a ``StatsStore``.
    public init(plan: ClusterPlan, stats: ProxyStats = ProxyStats()) throws(UpstreamClusterError) {
        self.plan = plan
        self.stats = stats
        var addresses: [SocketAddress] = []
        for endpoint in plan.endpoints {
            let resolved: [IPEndpoint]
            if let literal = IPEndpoint(host: endpoint.host, port: endpoint.port) {
                resolved = [literal]
            } else {
                do {
                    resolved = try HostResolver.resolve(host: endpoint.host, port: endpoint.port)
                } catch {
                    throw UpstreamClusterError(cluster: plan.name, endpoint: endpoint, reason: error.description)
                }
                if resolved.isEmpty {
                    throw UpstreamClusterError(cluster: plan.name, endpoint: endpoint, reason: "no addresses")
                }
            }
            let used = plan.type == .logicalDNS ? Array(resolved.prefix(1)) : resolved
            for address in used {
                do {
                    addresses.append(try SocketAddress(ipAddress: address.host, port: address.port))
                } catch {
                    throw UpstreamClusterError(cluster: plan.name, endpoint: endpoint, reason: "\(error)")
                }
            }
        }
        endpoints = addresses
        hostStats = addresses.map { _ in UpstreamHostStats() }
        if let tlsPlan = plan.tls {
            do {
                tls = try TLSContextFactory.makeClientContext(tlsPlan)
            } catch {
                throw UpstreamClusterError(cluster: plan.name, endpoint: nil, reason: "TLS: \(error)")
            }
        } else {
            tls = nil
        }
        channelOptions = plan.upstreamSocketOptions.compactMap { planned in
            guard case .int(let value) = planned.option.value else { return nil }
            let option = ChannelOptions.Types.SocketOption(
                level: NIOBSDSocket.OptionLevel(rawValue: planned.option.level),
                name: NIOBSDSocket.Option(rawValue: planned.option.name)
            )
            return (option, SocketOptionValue(value))
        }
    }

    /// The TLS handler for one upstream connection (with the cluster's SNI), or nil without TLS.
    func makeTLSHandler() throws -> NIOSSLClientHandler? {
        guard let tls, let tlsPlan = plan.tls else { return nil }
        return try TLSContextFactory.makeClientHandler(context: tls, plan: tlsPlan)
    }

    /// The counters of the endpoint at `address`.
    func hostStats(for address: SocketAddress) -> UpstreamHostStats? {
        endpoints.firstIndex(of: address).map { hostStats[$0] }
    }

    /// The endpoint for the next connection, by the cluster's `lb_policy`.
    public func pickEndpoint() -> SocketAddress {
        switch plan.lbPolicy {
        case .roundRobin:
            let slot = next.wrappingAdd(1, ordering: .relaxed).oldValue
            return endpoints[(slot & Int.max) % endpoints.count]
        case .random:
            return endpoints.randomElement()!
        }
    }
}

/// A cluster that cannot run: an endpoint that could not be resolved when the gateway started, or a TLS context that
/// could not be made.
public struct UpstreamClusterError: Error, Sendable, CustomStringConvertible {
    public var cluster: String
    /// The endpoint that could not be resolved; nil for a problem of the whole cluster.
    public var endpoint: EndpointPlan?
    public var reason: String

    public var description: String {
        guard let endpoint else { return "cluster \(cluster): \(reason)" }
        return "cluster \(cluster): cannot resolve endpoint \(endpoint): \(reason)"
    }
}
