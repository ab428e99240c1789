public import LifelineConfig
import LifelineSocket

/// What `lifeline explain` reports: for each listener (downstream) and cluster (upstream), the effective keepalive
/// with where each value came from, the probe-and-reset timeline, and a verdict against load-balancer idle timeouts.
public struct KeepaliveExplanation: Sendable {
    public struct Verdict: Sendable, Hashable {
        public var loadBalancer: LoadBalancerProfile
        public var safe: Bool
        public var text: String
    }

    public struct Entry: Sendable, Hashable {
        /// `listener` or `cluster`.
        public var kind: String
        public var name: String
        /// `downstream` (clients, through the load balancer) or `upstream` (endpoints).
        public var side: String
        /// The bound address, or the endpoints.
        public var address: String
        public var settings: KeepaliveSettings
        /// Nil when keepalive is off.
        public var timeline: KeepaliveTimeline?
        public var verdicts: [Verdict]
        public var warnings: [String]
    }

    public var entries: [Entry]
    public var loadBalancers: [LoadBalancerProfile]

    public init(plan: GatewayPlan, loadBalancers: [LoadBalancerProfile] = LoadBalancerProfile.standard()) {
        self.loadBalancers = loadBalancers
        entries =
            plan.listeners.map { listener in
                Self.entry(
                    kind: "listener",
                    name: listener.name,
                    side: "downstream",
                    address: listener.address.description,
                    options: listener.socketOptions,
                    loadBalancers: loadBalancers
                )
            }
            + plan.clusters.map { cluster in
                Self.entry(
                    kind: "cluster",
                    name: cluster.name,
                    side: "upstream",
                    address: cluster.endpoints.map(\.description).joined(separator: ", "),
                    options: cluster.upstreamSocketOptions,
                    loadBalancers: loadBalancers
                )
            }
    }

    private static func entry(
        kind: String,
        name: String,
        side: String,
        address: String,
        options: [PlannedSocketOption],
        loadBalancers: [LoadBalancerProfile]
    ) -> Entry {
        let settings = KeepaliveSettings(options: options)
        var warnings: [String] = []
        let limits: [(String, KeepaliveSettings.Setting?, ClosedRange<Int>)] = [
            ("TCP_KEEPIDLE", settings.time, 1...32767),
            ("TCP_KEEPINTVL", settings.interval, 1...32767),
            ("TCP_KEEPCNT", settings.probes, 1...127),
            ("TCP_USER_TIMEOUT", settings.userTimeout, 0...Int(Int32.max)),
        ]
        for (option, setting, range) in limits {
            if let setting, !range.contains(setting.value) {
                warnings.append(
                    "\(option)=\(setting.value) (from \(setting.source)) is outside Linux's \(range.lowerBound)..."
                        + "\(range.upperBound): setsockopt will fail when Lifeline starts"
                )
            }
        }
        guard settings.isOn else {
            warnings.append(
                "keepalive is off: a quiet connection is dropped by a load balancer after its idle timeout, and a \(side) "
                    + "peer that vanishes is held until traffic or idle_timeout closes it"
            )
            let verdicts = loadBalancers.map {
                Verdict(
                    loadBalancer: $0,
                    safe: false,
                    text: "idle connections will be cut after \($0.idleTimeout) s (keepalive is off)"
                )
            }
            return Entry(
                kind: kind,
                name: name,
                side: side,
                address: address,
                settings: settings,
                timeline: nil,
                verdicts: verdicts,
                warnings: warnings
            )
        }
        let time = settings.effectiveTime
        let timeline = KeepaliveTimeline(
            time: time,
            interval: max(1, settings.effectiveInterval),
            probes: max(1, settings.effectiveProbes),
            userTimeoutMilliseconds: settings.effectiveUserTimeout
        )
        let verdicts = loadBalancers.map { balancer in
            // An answered probe counts as traffic, so on a live connection the gap between packets is T.
            if time < balancer.idleTimeout {
                return Verdict(
                    loadBalancer: balancer,
                    safe: true,
                    text: "safe: the first probe comes at \(time) s, before the \(balancer.idleTimeout) s idle timeout"
                )
            }
            return Verdict(
                loadBalancer: balancer,
                safe: false,
                text: "idle connections will be cut after \(balancer.idleTimeout) s: the first probe comes only at "
                    + "\(time) s"
            )
        }
        for verdict in verdicts where !verdict.safe {
            warnings.append(
                "keepalive time \(time) s is not below \(verdict.loadBalancer.name)'s idle timeout of "
                    + "\(verdict.loadBalancer.idleTimeout) s"
            )
        }
        return Entry(
            kind: kind,
            name: name,
            side: side,
            address: address,
            settings: settings,
            timeline: timeline,
            verdicts: verdicts,
            warnings: warnings
        )
    }
}
