import LifelineConfig
public import LifelineSocket

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
        /// The config field that sets this socket's keepalive idle time, for advice:
        /// `static_resources.listeners[0].tcp_keepalive.keepalive_time`, or the option that set it.
        public var timeField: String
        /// The named keepalive setting of this socket: `static_resources.listeners[0].tcp_keepalive`.
        public var keepaliveField: String

        /// One line for the log at start when the keepalive is unsafe behind a load balancer: what is wrong and the
        /// field to set. Nil when it is safe behind every load balancer considered.
        public var startupWarning: String? {
            let unsafe = verdicts.filter { !$0.safe }
            guard !unsafe.isEmpty else { return nil }
            let balancers = unsafe.map { "\($0.loadBalancer.name) \($0.loadBalancer.idleTimeout) s" }
                .joined(separator: ", ")
            let what: String
            if settings.isOn {
                let source = settings.timeIsKernels ? settings.timeSource : "from \(settings.timeSource)"
                what = "\(side) keepalive time is \(settings.effectiveTime) s (\(source))"
            } else {
                what = "\(side) keepalive is off (from \(settings.enabledSource))"
            }
            let advice: String
            if settings.isOn {
                advice = "set \(timeField) below the load balancer's idle timeout"
            } else if settings.enabled == nil {
                advice =
                    "add \(keepaliveField) or an SO_KEEPALIVE socket option: TCP_KEEP* options do nothing without it"
            } else {
                advice = "turn it on at \(settings.enabledSource), or remove that setting for Lifeline's default"
            }
            return "\(kind) \(name): \(what): idle connections will be cut by load balancers with a shorter idle "
                + "timeout (\(balancers)); \(advice)"
        }
    }

    public var entries: [Entry]
    public var loadBalancers: [LoadBalancerProfile]
    /// The HTTP/2 keepalive and the limits long-lived streams meet, for chains that end in an
    /// http_connection_manager.
    public var http: HttpStreamExplanation

    /// - Parameter kernel: the kernel's keepalive values for what no option sets; by default those in force here.
    public init(
        plan: GatewayPlan,
        loadBalancers: [LoadBalancerProfile] = LoadBalancerProfile.standard(),
        kernel: KernelKeepalive = .current()
    ) {
        self.loadBalancers = loadBalancers
        http = HttpStreamExplanation(plan: plan)
        entries =
            plan.listeners.map { listener in
                Self.entry(
                    kind: "listener",
                    name: listener.name,
                    side: "downstream",
                    address: listener.address.description,
                    options: listener.socketOptions,
                    keepaliveField: "\(listener.origin.path).tcp_keepalive",
                    loadBalancers: loadBalancers,
                    kernel: kernel
                )
            }
            + plan.clusters.map { cluster in
                Self.entry(
                    kind: "cluster",
                    name: cluster.name,
                    side: "upstream",
                    address: cluster.endpoints.map(\.description).joined(separator: ", "),
                    options: cluster.upstreamSocketOptions,
                    keepaliveField: "\(cluster.origin.path).upstream_connection_options.tcp_keepalive",
                    loadBalancers: loadBalancers,
                    kernel: kernel
                )
            }
    }

    private static func entry(
        kind: String,
        name: String,
        side: String,
        address: String,
        options: [PlannedSocketOption],
        keepaliveField: String,
        loadBalancers: [LoadBalancerProfile],
        kernel: KernelKeepalive
    ) -> Entry {
        let settings = KeepaliveSettings(options: options, kernel: kernel)
        // Where to change the idle time: the option that set it, or the named field.
        let timeField = settings.time?.source ?? "\(keepaliveField).keepalive_time"
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
                "keepalive is off (from \(settings.enabledSource)): a quiet connection is dropped by a load balancer after its idle timeout, and a \(side) "
                    + "peer that vanishes is held until traffic or idle_timeout closes it"
            )
            let verdicts = loadBalancers.map {
                Verdict(
                    loadBalancer: $0,
                    safe: false,
                    text: "UNSAFE: idle connections will be cut after \($0.idleTimeout) s (keepalive is off)"
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
                warnings: warnings,
                timeField: timeField,
                keepaliveField: keepaliveField
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
                text: "UNSAFE: idle connections will be cut after \(balancer.idleTimeout) s: the first probe comes "
                    + "only at \(time) s"
            )
        }
        let kernelsTime = settings.timeIsKernels ? " (the \(settings.timeSource), as nothing sets TCP_KEEPIDLE)" : ""
        for verdict in verdicts where !verdict.safe {
            warnings.append(
                "keepalive time \(time) s\(kernelsTime) is not below \(verdict.loadBalancer.name)'s idle timeout of "
                    + "\(verdict.loadBalancer.idleTimeout) s: set \(timeField) below it"
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
            warnings: warnings,
            timeField: timeField,
            keepaliveField: keepaliveField
        )
    }
}
