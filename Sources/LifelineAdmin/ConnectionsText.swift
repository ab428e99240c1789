public import LifelineProxy

/// The `/connections` table as text: a header and one line per connection, columns padded so the table reads in a
/// terminal.
public enum ConnectionsText {
    static let columns = [
        "ID", "DIR", "PEER", "LISTENER/CHAIN/CLUSTER", "AGE", "RX", "TX", "KEEPALIVE", "STATE", "RTT", "PROBES",
        "LAST_RX", "NEXT_PROBE", "RESET_IN",
    ]

    public static func render(_ connections: [ConnectionSnapshot]) -> String {
        var rows = [columns]
        for connection in connections {
            rows.append(row(connection))
        }
        var widths = Array(repeating: 0, count: columns.count)
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var text = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line +=
                    index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            text += line + "\n"
        }
        return text
    }

    static func row(_ connection: ConnectionSnapshot) -> [String] {
        let owner = [connection.listener, connection.filterChain, connection.cluster].map { $0 ?? "-" }
            .joined(separator: "/")
        let keepalive: String
        if let values = connection.keepalive {
            keepalive =
                values.enabled
                ? "\(values.idleSeconds)/\(values.intervalSeconds)/\(values.probes)"
                    + (values.userTimeoutMilliseconds.map { $0 > 0 ? " ut=\(duration($0))" : "" } ?? "")
                : "off"
        } else {
            keepalive = "-"
        }
        let tcp = connection.tcp
        let timeline = connection.timeline
        return [
            "\(connection.id)",
            connection.direction == .downstream ? "down" : "up",
            connection.peer,
            owner,
            duration(connection.ageMilliseconds),
            "\(connection.bytesReceived)",
            "\(connection.bytesSent)",
            keepalive,
            tcp?.state ?? "-",
            tcp.map { microseconds($0.roundTripMicroseconds) } ?? "-",
            tcp.map { "\($0.probes)" } ?? "-",
            tcp.map { duration($0.lastDataReceivedMilliseconds) } ?? "-",
            timeline?.nextProbeInMilliseconds.map(duration) ?? "-",
            timeline?.resetInMilliseconds.map(duration) ?? "-",
        ]
    }

    /// `850ms`, `12.3s`, `4m05s`, `2h10m`.
    static func duration(_ milliseconds: Int) -> String {
        let ms = max(0, milliseconds)
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 {
            let tenths = ms / 100
            return "\(tenths / 10).\(tenths % 10)s"
        }
        let seconds = ms / 1000
        if seconds < 3600 {
            let rest = seconds % 60
            return "\(seconds / 60)m\(rest < 10 ? "0" : "")\(rest)s"
        }
        let minutes = (seconds / 60) % 60
        return "\(seconds / 3600)h\(minutes < 10 ? "0" : "")\(minutes)m"
    }

    /// `87us`, `1.2ms`.
    static func microseconds(_ value: Int) -> String {
        if value < 1000 { return "\(value)us" }
        let tenths = value / 100
        return "\(tenths / 10).\(tenths % 10)ms"
    }
}
