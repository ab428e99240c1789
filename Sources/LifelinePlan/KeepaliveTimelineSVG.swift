/// Draws a ``KeepaliveExplanation`` as an SVG picture: per listener and cluster, a time axis from the last traffic,
/// the idle stretch, each probe, the reset, and the load balancers' idle timeouts as dashed lines — green where the
/// first probe beats them, red where it does not.
public enum KeepaliveTimelineSVG {
    private static let width = 960.0
    private static let left = 40.0
    private static let right = 40.0
    private static let rowHeight = 150.0
    private static let top = 70.0

    public static func render(_ explanation: KeepaliveExplanation) -> String {
        let horizon = Self.horizon(explanation)
        let height = top + rowHeight * Double(max(1, explanation.entries.count)) + 20
        var out: [String] = [
            ##"<?xml version="1.0" encoding="UTF-8"?>"##,
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" "##
                + ##"viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="Helvetica, Arial, sans-serif">"##,
            ##"<rect width="100%" height="100%" fill="#ffffff"/>"##,
            text(
                left,
                28,
                "TCP keepalive after the last traffic from a peer that stopped answering",
                size: 18,
                weight: "bold"
            ),
            text(
                left,
                50,
                "grey: idle until the first probe · orange: probing · ● probe (seconds below) · ✕ reset · dashed: load balancer idle timeout",
                size: 12,
                fill: "#555555"
            ),
        ]
        for (index, entry) in explanation.entries.enumerated() {
            out += row(entry, y: top + rowHeight * Double(index), horizon: horizon)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The seconds the axis spans: past the latest reset and the longest load-balancer timeout.
    private static func horizon(_ explanation: KeepaliveExplanation) -> Double {
        let resets = explanation.entries.compactMap { $0.timeline?.resetAt }
        let timeouts = explanation.loadBalancers.map { Double($0.idleTimeout) }
        return max(60, (resets + timeouts).max() ?? 60) * 1.08
    }

    private static func x(_ seconds: Double, _ horizon: Double) -> Double {
        left + (width - left - right) * seconds / horizon
    }

    private static func row(_ entry: KeepaliveExplanation.Entry, y: Double, horizon: Double) -> [String] {
        let axis = y + 92
        var out: [String] = [
            text(
                left,
                y + 18,
                "\(entry.kind) \(entry.name) — \(entry.side) (\(entry.address))",
                size: 14,
                weight: "bold"
            )
        ]
        if let timeline = entry.timeline {
            let first = timeline.probeTimes.first ?? timeline.resetAt
            out.append(rect(x(0, horizon), axis - 14, x(first, horizon) - x(0, horizon), 28, fill: "#e6e6e6"))
            out.append(
                rect(
                    x(first, horizon),
                    axis - 14,
                    x(timeline.resetAt, horizon) - x(first, horizon),
                    28,
                    fill: "#fde2c4"
                )
            )
            out.append(text(x(0, horizon) + 4, axis - 20, "last traffic", size: 11, fill: "#2e7d32"))
            for case .probe(_, let at) in timeline.events {
                out.append(##"<circle cx="\##(f(x(at, horizon)))" cy="\##(f(axis))" r="5" fill="#ef6c00"/>"##)
                out.append(text(x(at, horizon), axis + 30, "\(Int(at))", size: 10, fill: "#ef6c00", anchor: "middle"))
            }
            let resetX = x(timeline.resetAt, horizon)
            out.append(line(resetX - 7, axis - 7, resetX + 7, axis + 7, stroke: "#c62828", width: 3))
            out.append(line(resetX - 7, axis + 7, resetX + 7, axis - 7, stroke: "#c62828", width: 3))
            out.append(
                text(
                    resetX + 10,
                    axis + 30,
                    "reset \(seconds(timeline.resetAt))",
                    size: 12,
                    fill: "#c62828",
                    weight: "bold"
                )
            )
        } else {
            out.append(
                text(
                    left,
                    axis - 20,
                    "keepalive off: no probes; the load balancer cuts the idle connection at its timeout",
                    size: 12,
                    fill: "#c62828"
                )
            )
        }
        out.append(line(x(0, horizon), axis, x(horizon, horizon), axis, stroke: "#333333", width: 1))
        out.append(line(x(0, horizon), axis - 18, x(0, horizon), axis + 18, stroke: "#2e7d32", width: 3))
        for tick in ticks(horizon) {
            out.append(line(x(tick, horizon), axis + 14, x(tick, horizon), axis + 18, stroke: "#333333", width: 1))
            out.append(text(x(tick, horizon) - 8, axis + 46, seconds(tick), size: 10, fill: "#333333"))
        }
        for (index, verdict) in entry.verdicts.enumerated() {
            let lineX = x(Double(verdict.loadBalancer.idleTimeout), horizon)
            let color = verdict.safe ? "#2e7d32" : "#c62828"
            out.append(
                ##"<line x1="\##(f(lineX))" y1="\##(f(axis - 60))" x2="\##(f(lineX))" y2="\##(f(axis + 20))" "##
                    + ##"stroke="\##(color)" stroke-width="2" stroke-dasharray="6,4"/>"##
            )
            let label = "\(verdict.loadBalancer.name) \(verdict.loadBalancer.idleTimeout) s \(verdict.safe ? "✓" : "✗")"
            out.append(text(lineX + 4, axis - 26 - Double(index) * 13, label, size: 10, fill: color))
        }
        return out
    }

    private static func ticks(_ horizon: Double) -> [Double] {
        let step = [10.0, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200].first { horizon / $0 <= 12 } ?? 7200
        return stride(from: 0, through: horizon, by: step).map { $0 }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    private static func f(_ value: Double) -> String {
        String(Double(Int(value * 10)) / 10)
    }

    private static func text(
        _ x: Double,
        _ y: Double,
        _ content: String,
        size: Int,
        fill: String = "#111111",
        weight: String = "normal",
        anchor: String = "start"
    ) -> String {
        ##"<text x="\##(f(x))" y="\##(f(y))" font-size="\##(size)" font-weight="\##(weight)" fill="\##(fill)" "##
            + ##"text-anchor="\##(anchor)">"##
            + escape(content) + "</text>"
    }

    private static func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String) -> String {
        ##"<rect x="\##(f(x))" y="\##(f(y))" width="\##(f(max(0, width)))" height="\##(f(height))" fill="\##(fill)"/>"##
    }

    private static func line(
        _ x1: Double,
        _ y1: Double,
        _ x2: Double,
        _ y2: Double,
        stroke: String,
        width: Int
    ) -> String {
        ##"<line x1="\##(f(x1))" y1="\##(f(y1))" x2="\##(f(x2))" y2="\##(f(y2))" stroke="\##(stroke)" stroke-width="\##(width)"/>"##
    }

    /// XML text escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
