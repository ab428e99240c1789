import Foundation
import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `lifeline explain`'s numbers: the timeline, the verdicts, the warnings, and the picture.
@Suite struct KeepaliveExplanationTests {
    /// One listener on :8443 with `listenerExtra` and one cluster with `clusterExtra`.
    private func explain(
        listenerExtra: String = "",
        clusterExtra: String = "",
        awsNLB: Int = 350,
        kernel: KernelKeepalive = .linuxDefaults
    ) throws -> KeepaliveExplanation {
        let yaml = """
            static_resources:
              listeners:
              - address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
            \(listenerExtra)
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: s, cluster: backend }
              clusters:
              - name: backend
            \(clusterExtra)
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9000 } } }
            """
        let (plan, _) = try planWithWarnings(yaml)
        return KeepaliveExplanation(
            plan: plan,
            loadBalancers: LoadBalancerProfile.standard(awsNLB: awsNLB),
            kernel: kernel
        )
    }

    @Test func seedValuesProbeAt15And30And45AndResetAt60() throws {
        let explanation = try explain(
            listenerExtra: """
                    socket_options:
                    - { level: 1, name: 9, int_value: 1, state: STATE_LISTENING }
                    - { level: 6, name: 4, int_value: 15, state: STATE_LISTENING }
                    - { level: 6, name: 5, int_value: 15, state: STATE_LISTENING }
                    - { level: 6, name: 6, int_value: 3, state: STATE_LISTENING }
                """
        )
        let listener = try #require(explanation.entries.first)
        #expect(listener.kind == "listener" && listener.name == "0.0.0.0_8443" && listener.side == "downstream")
        let timeline = try #require(listener.timeline)
        #expect(timeline.probeTimes == [15, 30, 45])
        #expect(timeline.resetAt == 60)
        #expect(listener.verdicts.map(\.safe) == [true, true, true])
        #expect(listener.verdicts.first?.text == "safe: the first probe comes at 15 s, before the 350 s idle timeout")
        #expect(listener.settings.time?.source == "static_resources.listeners[0].socket_options[1]")
        // The seed's four options speak about keepalive, so Lifeline adds no TCP_USER_TIMEOUT of its own.
        #expect(listener.settings.userTimeout == nil)
        #expect(listener.text.contains("60 s  reset (T + I×N = 15 + 15×3), not at 45 s"))
        #expect(listener.startupWarning == nil)
    }

    @Test func anEmptyTcpKeepaliveIsTheKernelsScheduleNamedAndUnsafe() throws {
        let explanation = try explain(listenerExtra: "    tcp_keepalive: {}")
        let listener = try #require(explanation.entries.first)
        #expect(listener.settings.isOn)
        #expect(listener.timeline?.probeTimes.first == 7200)
        #expect(listener.timeline?.resetAt == Double(7200 + 75 * 9))
        let text = listener.text
        #expect(text.contains("  idle time T     7200 s  kernel default (net.ipv4.tcp_keepalive_time)\n"))
        #expect(text.contains("  interval I      75 s    kernel default (net.ipv4.tcp_keepalive_intvl)\n"))
        #expect(text.contains("  probes N        9       kernel default (net.ipv4.tcp_keepalive_probes)\n"))
        #expect(text.contains("  keepalive       on      from static_resources.listeners[0].tcp_keepalive\n"))
        #expect(listener.verdicts.map(\.safe) == [false, false, false])
        #expect(text.contains("UNSAFE: idle connections will be cut after 350 s: the first probe comes only at 7200 s"))
        #expect(
            listener.warnings.first
                == "keepalive time 7200 s (the kernel default (net.ipv4.tcp_keepalive_time), as nothing sets "
                + "TCP_KEEPIDLE) is not below AWS NLB's idle timeout of 350 s: set "
                + "static_resources.listeners[0].tcp_keepalive.keepalive_time below it"
        )
        #expect(
            listener.startupWarning
                == "listener 0.0.0.0_8443: downstream keepalive time is 7200 s (kernel default "
                + "(net.ipv4.tcp_keepalive_time)): idle connections will be cut by load balancers with a shorter idle "
                + "timeout (AWS NLB 350 s, Azure LB 240 s, GCP passthrough 60 s); set "
                + "static_resources.listeners[0].tcp_keepalive.keepalive_time below the load balancer's idle timeout"
        )
    }

    @Test func theKernelsValuesAreTheOnesInForce() throws {
        let explanation = try explain(
            listenerExtra: "    tcp_keepalive: {}",
            kernel: KernelKeepalive(time: 300, interval: 10, probes: 2)
        )
        let listener = try #require(explanation.entries.first)
        #expect(listener.timeline?.probeTimes == [300, 310])
        #expect(listener.verdicts.map(\.safe) == [true, false, false])
        #expect(listener.startupWarning?.contains("(Azure LB 240 s, GCP passthrough 60 s)") == true)
    }

    @Test func partialKeepaliveNamesWhatTheKernelSupplies() throws {
        let explanation = try explain(
            listenerExtra: """
                    socket_options:
                    - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                    - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 20, state: STATE_LISTENING }
                """
        )
        let listener = try #require(explanation.entries.first)
        #expect(listener.timeline?.probeTimes.prefix(3) == [20, 95, 170])
        #expect(listener.text.contains("  interval I      75 s    kernel default (net.ipv4.tcp_keepalive_intvl)\n"))
        #expect(listener.settings.userTimeout == nil)
        #expect(listener.verdicts.map(\.safe) == [true, true, true])
        #expect(listener.startupWarning == nil)
    }

    @Test func aClustersEmptyKeepaliveNamesTheUpstreamField() throws {
        let explanation = try explain(clusterExtra: "    upstream_connection_options: { tcp_keepalive: {} }")
        let cluster = try #require(explanation.entries.last)
        #expect(cluster.kind == "cluster")
        #expect(
            cluster.startupWarning?.hasSuffix(
                "set static_resources.clusters[0].upstream_connection_options.tcp_keepalive.keepalive_time below the "
                    + "load balancer's idle timeout"
            ) == true
        )
        #expect(explanation.entries.first?.startupWarning == nil)
    }

    @Test func anExplicitIdleTimeIsNamedWhereItWasWritten() throws {
        let explanation = try explain(
            listenerExtra: """
                    socket_options:
                    - { level: 1, name: 9, int_value: 1, state: STATE_LISTENING }
                    - { level: 6, name: 4, int_value: 600, state: STATE_LISTENING }
                """
        )
        let listener = try #require(explanation.entries.first)
        #expect(listener.timeField == "static_resources.listeners[0].socket_options[1]")
        #expect(listener.startupWarning?.contains("set static_resources.listeners[0].socket_options[1] below") == true)
    }

    /// As in Envoy, TCP_KEEPIDLE without SO_KEEPALIVE leaves keepalive off; the warning says what is missing.
    @Test func anIdleTimeWithoutSoKeepaliveIsOff() throws {
        let explanation = try explain(
            listenerExtra: "    socket_options: [{ level: 6, name: 4, int_value: 20, state: STATE_LISTENING }]"
        )
        let listener = try #require(explanation.entries.first)
        #expect(!listener.settings.isOn)
        #expect(
            listener.startupWarning?.hasSuffix(
                "add static_resources.listeners[0].tcp_keepalive or an SO_KEEPALIVE socket option: TCP_KEEP* options "
                    + "do nothing without it"
            ) == true
        )
    }

    @Test func withoutUserTimeoutTheResetIsStillTPlusITimesN() {
        let timeline = KeepaliveTimeline(time: 15, interval: 15, probes: 3, userTimeoutMilliseconds: nil)
        #expect(
            timeline.events == [
                .probe(n: 1, at: 15), .probe(n: 2, at: 30), .probe(n: 3, at: 45), .reset(at: 60),
            ]
        )
    }

    @Test func aUserTimeoutReplacesTheProbeCount() {
        // Linux resets at the first keepalive timer at or after TCP_USER_TIMEOUT once a probe is out.
        #expect(KeepaliveTimeline(time: 15, interval: 15, probes: 9, userTimeoutMilliseconds: 40_000).resetAt == 45)
        #expect(KeepaliveTimeline(time: 15, interval: 15, probes: 3, userTimeoutMilliseconds: 10_000).resetAt == 30)
        #expect(KeepaliveTimeline(time: 1, interval: 1, probes: 3, userTimeoutMilliseconds: nil).resetAt == 4)
    }

    @Test func defaultsAreOnAndSafeUnderEveryLoadBalancer() throws {
        let explanation = try explain()
        #expect(explanation.entries.map(\.kind) == ["listener", "cluster"])
        for entry in explanation.entries {
            #expect(entry.settings.isOn)
            #expect(entry.timeline?.resetAt == 60)
            #expect(entry.settings.userTimeout?.value == 60_000)
            #expect(entry.verdicts.map(\.safe) == [true, true, true])
            #expect(entry.warnings.isEmpty)
        }
        #expect(explanation.entries[1].side == "upstream")
        #expect(explanation.entries[1].address == "127.0.0.1:9000")
    }

    @Test func keepaliveOffIsCutByEveryLoadBalancerAndWarned() throws {
        let explanation = try explain(listenerExtra: "    tcp_keepalive: { enabled: false }")
        let listener = try #require(explanation.entries.first)
        #expect(!listener.settings.isOn)
        #expect(listener.timeline == nil)
        #expect(listener.verdicts.map(\.safe) == [false, false, false])
        #expect(listener.verdicts[0].text == "UNSAFE: idle connections will be cut after 350 s (keepalive is off)")
        #expect(
            listener.startupWarning?.hasPrefix("listener 0.0.0.0_8443: downstream keepalive is off (from ") == true
        )
        #expect(
            listener.startupWarning?.hasSuffix(
                "turn it on at static_resources.listeners[0].tcp_keepalive.enabled, or remove that setting for "
                    + "Lifeline's default"
            ) == true
        )
        #expect(listener.warnings.contains { $0.hasPrefix("keepalive is off") })
        // The cluster still has its defaults.
        #expect(explanation.entries[1].settings.isOn)
    }

    @Test func aFirstProbeAtOrAfterTheLoadBalancerTimeoutIsCut() throws {
        let explanation = try explain(listenerExtra: "    tcp_keepalive: { keepalive_time: 400 }")
        let listener = try #require(explanation.entries.first)
        #expect(listener.verdicts.map(\.safe) == [false, false, false])
        #expect(
            listener.verdicts[0].text
                == "UNSAFE: idle connections will be cut after 350 s: the first probe comes only at 400 s"
        )
        #expect(
            listener.warnings.contains(
                "keepalive time 400 s is not below AWS NLB's idle timeout of 350 s: set "
                    + "static_resources.listeners[0].tcp_keepalive.keepalive_time below it"
            )
        )

        let longer = try explain(listenerExtra: "    tcp_keepalive: { keepalive_time: 400 }", awsNLB: 600)
        #expect(longer.entries[0].verdicts.map(\.safe) == [true, false, false])
    }

    @Test func valuesOutsideKernelLimitsAreWarned() throws {
        let explanation = try explain(
            listenerExtra: "    socket_options: [{ level: 6, name: 4, int_value: 40000, state: STATE_LISTENING }]"
        )
        let warnings = try #require(explanation.entries.first).warnings
        #expect(
            warnings.contains {
                $0.hasPrefix("TCP_KEEPIDLE=40000 (from static_resources.listeners[0].socket_options[0]) is outside")
            }
        )
    }

    @Test func jsonCarriesTheTimeline() throws {
        let explanation = try explain()
        let object = try JSONSerialization.jsonObject(with: Data(explanation.tree.jsonText.utf8)) as? [String: Any]
        let entries = try #require(object?["entries"] as? [[String: Any]])
        let timeline = try #require(entries.first?["timeline"] as? [String: Any])
        #expect(timeline["reset_at_seconds"] as? Double == 60)
        #expect(timeline["probes_at_seconds"] as? [Double] == [15, 30, 45])
    }

    @Test func svgIsWellFormedAndShowsTheResetAndTheLoadBalancers() throws {
        let explanation = try explain(listenerExtra: "    tcp_keepalive: { enabled: false }")
        let svg = KeepaliveTimelineSVG.render(explanation)
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.contains("reset 60 s"))
        #expect(svg.contains("AWS NLB 350 s ✓"))
        #expect(svg.contains("AWS NLB 350 s ✗"))
        #expect(svg.contains("keepalive off"))
    }
}
