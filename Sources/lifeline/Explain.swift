import ArgumentParser
import Foundation
import LifelineConfig
import LifelinePlan

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Explain the keepalive of every listener and cluster, and the limits HTTP streams meet: values, sources, "
            + "timeline, verdict.",
        discussion: """
            For each listener (downstream) and cluster (upstream): the effective SO_KEEPALIVE, TCP_KEEPIDLE (T), \
            TCP_KEEPINTVL (I), TCP_KEEPCNT (N) and TCP_USER_TIMEOUT with the source of each; when a peer that \
            stopped answering gets its probes and its reset (T + I×N after the last traffic); and whether idle \
            connections survive an AWS NLB (350 s, or --lb-idle-timeout), an Azure LB (240 s) and GCP's \
            passthrough load balancer (60 s in some connection-tracking modes).

            For each http_connection_manager: the downstream HTTP/2 keepalive (PING interval and timeout), and for \
            each forwarding route the limits a long-lived stream meets (route.timeout, the silence a stream \
            survives, max_stream_duration), with a WARNING naming the field to set wherever one would cut a \
            long-lived gRPC stream. Every forwarding route is judged so, as any may carry gRPC; routes that match \
            grpc are marked.

            Examples:
              lifeline explain --config examples/quickstart.yaml
              lifeline explain --config gateway.yaml --envoy-filter keepalive.yaml --svg timeline.svg
              lifeline explain --config gateway.yaml --lb-idle-timeout 120 --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var options: ConfigOptions

    @Option(help: "The AWS NLB idle timeout to judge against, in seconds (60–6000).")
    var lbIdleTimeout: Int = 350

    @Option(help: "text or json.")
    var format: Format = .text

    @Option(help: "Also draw the timeline as an SVG picture into this file.")
    var svg: String?

    func validate() throws {
        guard (1...86400).contains(lbIdleTimeout) else {
            throw ValidationError("--lb-idle-timeout must be between 1 and 86400 seconds")
        }
    }

    func run() throws {
        let plan = try options.loadPlan()
        let explanation = KeepaliveExplanation(
            plan: plan,
            loadBalancers: LoadBalancerProfile.standard(awsNLB: lbIdleTimeout)
        )
        switch format {
        case .text: print(explanation.text, terminator: "")
        case .json: print(explanation.tree.jsonText, terminator: "")
        }
        if let svg {
            do {
                try KeepaliveTimelineSVG.render(explanation).write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                StandardError.print("lifeline: cannot write \(svg): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
    }
}
