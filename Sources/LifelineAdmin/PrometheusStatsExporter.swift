import CoreMetrics
public import LifelineProxy
import Prometheus

/// Stats in the Prometheus text exposition format, under Envoy's metric names and tags
/// (`envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_10000"}`; see ``PrometheusStatName``).
///
/// The samples go through swift-metrics into a `PrometheusCollectorRegistry` made for the one scrape, which then
/// writes the text: a registry cannot leave a metric out of one scrape, and each request selects its own
/// (`?filter`, `?usedonly`). No global metrics bootstrap is involved.
public enum PrometheusStatsExporter {
    /// The exposition of `samples`: a `# TYPE` line per metric, a line per sample.
    public static func render(_ samples: [StatSample]) -> String {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        for sample in samples {
            let metric = PrometheusStatName(sample)
            switch sample.kind {
            case .counter:
                Counter(label: metric.name, dimensions: metric.labels, factory: factory)
                    .increment(by: max(0, sample.value))
            case .gauge:
                Gauge(label: metric.name, dimensions: metric.labels, factory: factory).record(sample.value)
            }
        }
        return sortedByMetric(registry.emitToString())
    }

    /// The registry writes its metrics in no particular order; sorted by name (each metric's series too), a scrape
    /// reads as Envoy's does and two scrapes compare line by line.
    static func sortedByMetric(_ exposition: String) -> String {
        var metrics: [(type: Substring, series: [Substring])] = []
        for line in exposition.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") || metrics.isEmpty {
                metrics.append((line, []))
            } else {
                metrics[metrics.count - 1].series.append(line)
            }
        }
        return metrics.sorted { $0.type < $1.type }
            .map { ([$0.type] + $0.series.sorted()).joined(separator: "\n") + "\n" }
            .joined()
    }
}
