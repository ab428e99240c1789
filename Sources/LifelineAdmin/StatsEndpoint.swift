import Foundation
public import LifelineProxy

/// `GET /stats` as Envoy answers it: `name: value` lines sorted by name, or with `?format=json`
/// `{"stats":[{"name":…,"value":…}]}`, or with `?format=prometheus` what `/stats/prometheus` answers; `?filter=REGEX`
/// and `?usedonly` select (see ``StatsSelection``).
public enum StatsEndpoint {
    /// Answers `/stats` from the store's stats at the time of the request.
    public static func handler(store: StatsStore) -> AdminHandler {
        { request in response(to: request, samples: store.samples()) }
    }

    /// Answers `/stats/prometheus` from the store's stats at the time of the request.
    public static func prometheusHandler(store: StatsStore) -> AdminHandler {
        { request in prometheusResponse(to: request, samples: store.samples()) }
    }

    /// The answer to `/stats` given these samples.
    public static func response(to request: AdminRequest, samples: [StatSample]) -> AdminResponse {
        let selection: StatsSelection
        do {
            selection = try StatsSelection(request)
        } catch {
            return AdminResponse(status: 400, body: "\(error)\n")
        }
        let selected = selection.select(samples).sorted { $0.name < $1.name }
        switch request.parameter("format") ?? "text" {
        case "text": return AdminResponse(body: selected.map { "\($0.name): \($0.value)\n" }.joined())
        case "json": return .json(json(selected))
        case "prometheus": return AdminResponse(body: PrometheusStatsExporter.render(selected))
        default: return AdminResponse(status: 400, body: "usage: /stats?format=(json|prometheus|text)\n")
        }
    }

    /// The answer to `/stats/prometheus` given these samples.
    public static func prometheusResponse(to request: AdminRequest, samples: [StatSample]) -> AdminResponse {
        do {
            let selection = try StatsSelection(request)
            return AdminResponse(body: PrometheusStatsExporter.render(selection.select(samples)))
        } catch {
            return AdminResponse(status: 400, body: "\(error)\n")
        }
    }

    private struct JSONStats: Encodable {
        struct Entry: Encodable {
            var name: String
            var value: Int
        }
        var stats: [Entry]
    }

    private static func json(_ samples: [StatSample]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = JSONStats(stats: samples.map { JSONStats.Entry(name: $0.name, value: $0.value) })
        let data = (try? encoder.encode(body)) ?? Data(#"{"stats":[]}"#.utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
