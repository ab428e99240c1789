public import LifelineConfig

extension KeepaliveExplanation {
    /// The explanation for a terminal.
    public var text: String {
        let keepalive = entries.map(\.text).joined(separator: "\n")
        return http.text.isEmpty ? keepalive : keepalive + "\n" + http.text
    }

    /// The explanation as a tree, for `--format json`.
    public var tree: ConfigTree {
        .object([
            (
                "load_balancers",
                .array(
                    loadBalancers.map {
                        .object([
                            ("name", .string($0.name)), ("idle_timeout_seconds", .number($0.idleTimeout)),
                            ("note", $0.note.map { .string($0) }),
                        ])
                    }
                )
            ),
            ("entries", .array(entries.map(\.tree))),
            ("http", http.chains.isEmpty && http.upstreams.isEmpty ? nil : http.tree),
        ])
    }
}

extension KeepaliveExplanation.Entry {
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    public var text: String {
        var lines = ["\(kind) \(name) (\(side), \(address))"]
        func row(_ label: String, _ value: String, _ source: String?) {
            let padded = label.rightPadded(16)
            let valueText = value.rightPadded(8)
            // A kernel default is named as such; any other source is where the value was written.
            let origin = source.map { $0.hasPrefix("kernel default") || $0 == "not set" ? $0 : "from \($0)" } ?? ""
            lines.append("  \(padded)\(valueText)\(origin)")
        }
        row("keepalive", settings.isOn ? "on" : "off", settings.enabledSource)
        if settings.isOn {
            row("idle time T", "\(settings.effectiveTime) s", settings.timeSource)
            row("interval I", "\(settings.effectiveInterval) s", settings.intervalSource)
            row("probes N", "\(settings.effectiveProbes)", settings.probesSource)
        }
        if let userTimeout = settings.effectiveUserTimeout {
            row("user timeout", Self.seconds(Double(userTimeout) / 1000), settings.userTimeout?.source)
        } else {
            row("user timeout", "off", settings.userTimeout?.source ?? "not set")
        }
        if let timeline {
            lines.append("  after the last traffic from the \(side) peer, if it stopped answering:")
            for event in timeline.events {
                switch event {
                case .probe(let n, let at):
                    lines.append("    \(Self.seconds(at).leftPadded(8))  probe \(n)")
                case .reset(let at):
                    lines.append("    \(Self.seconds(at).leftPadded(8))  reset\(resetReason(at))")
                }
            }
        }
        if let userTimeout = settings.effectiveUserTimeout {
            lines.append(
                "  unacknowledged data: the connection is dropped \(Self.seconds(Double(userTimeout) / 1000)) after "
                    + "the last acknowledgement (TCP_USER_TIMEOUT); keepalive probes do not run while data is outstanding"
            )
        } else {
            lines.append(
                "  unacknowledged data: no TCP_USER_TIMEOUT, so a peer that vanishes while data is outstanding is only "
                    + "dropped after the kernel's retransmissions give up (about 15 min with tcp_retries2=15)"
            )
        }
        lines.append("  load balancers:")
        for verdict in verdicts {
            let label = "\(verdict.loadBalancer.name) (\(verdict.loadBalancer.idleTimeout) s):"
            lines.append("    \(label.rightPadded(28))\(verdict.text)")
        }
        for warning in warnings {
            lines.append("  warning: \(warning)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `(T + I×N = 15 + 15×3), not at 45 s`: why the reset is where it is.
    private func resetReason(_ at: Double) -> String {
        let probes = timeline?.probeTimes ?? []
        let last = probes.last.map { ", not at \(Self.seconds($0)) when the last probe went out" } ?? ""
        let t = settings.effectiveTime
        let i = settings.effectiveInterval
        let n = settings.effectiveProbes
        let formula = "T + I×N = \(t) + \(i)×\(n)"
        guard let userTimeout = settings.effectiveUserTimeout else { return " (\(formula))\(last)" }
        let bound = Self.seconds(Double(userTimeout) / 1000)
        if at == Double(t + i * n) {
            return " (\(formula); TCP_USER_TIMEOUT \(bound) agrees)\(last)"
        }
        return " (the first probe timer at or after TCP_USER_TIMEOUT \(bound), which replaces N)\(last)"
    }

    var tree: ConfigTree {
        func setting(_ value: KeepaliveSettings.Setting?) -> ConfigTree? {
            value.map { .object([("value", .number($0.value)), ("source", .string($0.source))]) }
        }
        func effective(_ value: Int, _ source: String) -> ConfigTree? {
            settings.isOn ? .object([("value", .number(value)), ("source", .string(source))]) : nil
        }
        return .object([
            ("kind", .string(kind)),
            ("name", .string(name)),
            ("side", .string(side)),
            ("address", .string(address)),
            ("keepalive", .bool(settings.isOn)),
            ("so_keepalive", setting(settings.enabled)),
            ("time_seconds", effective(settings.effectiveTime, settings.timeSource)),
            ("interval_seconds", effective(settings.effectiveInterval, settings.intervalSource)),
            ("probes", effective(settings.effectiveProbes, settings.probesSource)),
            ("user_timeout_ms", setting(settings.userTimeout)),
            (
                "timeline",
                timeline.map { timeline in
                    .object([
                        ("probes_at_seconds", .array(timeline.probeTimes.map { ConfigTree(.number("\($0)")) })),
                        ("reset_at_seconds", ConfigTree(.number("\(timeline.resetAt)"))),
                    ])
                }
            ),
            (
                "verdicts",
                .array(
                    verdicts.map {
                        .object([
                            ("load_balancer", .string($0.loadBalancer.name)),
                            ("idle_timeout_seconds", .number($0.loadBalancer.idleTimeout)),
                            ("safe", .bool($0.safe)),
                            ("text", .string($0.text)),
                        ])
                    }
                )
            ),
            ("warnings", .array(warnings.map { .string($0) })),
            ("startup_warning", startupWarning.map { .string($0) }),
        ])
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    fileprivate func rightPadded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
