import LifelineConfig
public import LifelinePlan
import LifelineSocket
public import NIOCore
import Synchronization

/// A cluster at run time: resolved endpoint addresses, the load balancer and its stats.
public final class UpstreamCluster: Sendable {
    public let plan: ClusterPlan
    public let endpoints: [SocketAddress]
    public let stats = ProxyStats()
    /// The plan's upstream socket options as NIO channel options, set before each connect.
    let channelOptions: [(ChannelOptions.Types.SocketOption, SocketOptionValue)]
    private let next = Atomic<Int>(0)

    /// Resolves the cluster's endpoints: IP literals directly, DNS names (STRICT_DNS, LOGICAL_DNS) once, now.
    public init(plan: ClusterPlan) throws(UpstreamClusterError) {
        self.plan = plan
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
        channelOptions = plan.upstreamSocketOptions.compactMap { planned in
            guard case .int(let value) = planned.option.value else { return nil }
            let option = ChannelOptions.Types.SocketOption(
                level: NIOBSDSocket.OptionLevel(rawValue: planned.option.level),
                name: NIOBSDSocket.Option(rawValue: planned.option.name)
            )
            return (option, SocketOptionValue(value))
        }
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

/// An endpoint that could not be resolved when the gateway started.
public struct UpstreamClusterError: Error, Sendable, CustomStringConvertible {
    public var cluster: String
    public var endpoint: EndpointPlan
    public var reason: String

    public var description: String {
        "cluster \(cluster): cannot resolve endpoint \(endpoint): \(reason)"
    }
}
