/// A cloud load balancer's idle timeout: a connection that carries no packet for that long is dropped silently.
public struct LoadBalancerProfile: Sendable, Hashable {
    public var name: String
    /// Seconds.
    public var idleTimeout: Int
    public var note: String?

    public init(name: String, idleTimeout: Int, note: String? = nil) {
        self.name = name
        self.idleTimeout = idleTimeout
        self.note = note
    }

    /// AWS NLB (350 s by default, 60–6000 s), Azure Load Balancer (240 s by default, 4–100 min) and GCP's external
    /// passthrough load balancer in the connection-tracking modes that expire entries after 60 s.
    public static func standard(awsNLB: Int = 350) -> [LoadBalancerProfile] {
        [
            LoadBalancerProfile(
                name: "AWS NLB",
                idleTimeout: awsNLB,
                note: awsNLB == 350 ? "default; configurable 60–6000 s" : "as given with --lb-idle-timeout"
            ),
            LoadBalancerProfile(name: "Azure LB", idleTimeout: 240, note: "default; configurable 4–100 min"),
            LoadBalancerProfile(
                name: "GCP passthrough",
                idleTimeout: 60,
                note: "connection tracking in some modes"
            ),
        ]
    }
}
