public import LifelineConfig

extension HttpStreamExplanation {
    /// The explanation for a terminal; empty when no chain runs an http_connection_manager.
    public var text: String {
        guard !chains.isEmpty || !upstreams.isEmpty else { return "" }
        return (chains.map(\.text) + upstreams.map(\.text)).joined(separator: "\n")
    }

    /// The explanation as a tree, for `--format json`.
    public var tree: ConfigTree {
        .array(chains.map(\.tree) + upstreams.map(\.tree))
    }
}

extension HttpStreamExplanation.Upstream {
    var text: String {
        let seconds = HttpStreamExplanation.seconds
        guard let source else {
            return "cluster \(cluster) (upstream HTTP/2)\n"
                + "  HTTP/2 keepalive         Lifeline's default (connection_keepalive silent): a PING only after "
                + "\(seconds(keepalive.interval ?? .zero)) with streams open and nothing received, closed when nothing "
                + "answers within \(seconds(keepalive.timeout)); a connection without streams is never pinged — what "
                + "gRPC servers accept by default, so no GOAWAY too_many_pings"
        }
        let interval = keepalive.interval.map { "a PING every \(seconds($0))" } ?? "no periodic PING"
        return "cluster \(cluster) (upstream HTTP/2)\n"
            + "  HTTP/2 keepalive         \(interval); closed when nothing arrives within \(seconds(keepalive.timeout)) "
            + "of a PING (from \(source))"
            + ((keepalive.interval ?? .seconds(300)) < .seconds(300)
                ? "\n  WARNING: PINGs more often than every 300 s earn a GOAWAY too_many_pings from gRPC servers with "
                    + "their default policy (grpc.http2.min_ping_interval_without_data_ms 300000) unless they allow it"
                : "")
    }

    var tree: ConfigTree {
        .object([
            ("cluster", .string(cluster)),
            ("protocol", .string("HTTP/2")),
            ("keepalive_interval", .string(keepalive.interval.map(ProtoDuration.format) ?? "none")),
            ("keepalive_timeout", .string(ProtoDuration.format(keepalive.timeout))),
            ("source", .string(source ?? "Lifeline's default")),
        ])
    }
}

extension HttpStreamExplanation.Limit {
    /// `15 s (Envoy's default)`, `off (from …stream_idle_timeout)`.
    var text: String {
        let value = value.map(HttpStreamExplanation.seconds) ?? "off"
        return source == HttpStreamExplanation.defaultSource ? "\(value) (\(source))" : "\(value) (from \(source))"
    }

    var tree: ConfigTree {
        .object([
            ("value", .string(value.map(ProtoDuration.format) ?? "disabled")),
            ("source", .string(source)),
            ("field", .string(field)),
        ])
    }
}

extension HttpStreamExplanation.Chain {
    var text: String {
        var lines = ["http_connection_manager: listener \(listener), chain \(chain) (codec \(codec))"]
        func row(_ label: String, _ value: String) {
            let pad = label.count >= 25 ? " " : String(repeating: " ", count: 25 - label.count)
            lines.append("  \(label)\(pad)\(value)")
        }
        if let keepalive {
            let interval =
                keepalive.interval.map {
                    "a PING every \(HttpStreamExplanation.seconds($0)) (+ up to \(Self.percent(keepalive.intervalJitterPercent)) jitter)"
                } ?? "no periodic PING"
            row(
                "HTTP/2 keepalive",
                "\(interval); closed when nothing arrives within \(HttpStreamExplanation.seconds(keepalive.timeout)) "
                    + "of a PING (from \(keepalive.origin?.path ?? keepaliveField))"
            )
            if let interval = keepalive.interval {
                // PINGs are timed from the previous PING, not from the last frame received.
                lines.append(
                    "    a client that vanished: the next PING (at most \(HttpStreamExplanation.seconds(interval)) "
                        + "later, plus jitter) goes unanswered and the connection is closed "
                        + "\(HttpStreamExplanation.seconds(keepalive.timeout)) after it, at most "
                        + "\(HttpStreamExplanation.seconds(interval + keepalive.timeout)) (plus jitter) in all; PINGs do "
                        + "not reset the stream or connection idle timers"
                )
            }
        } else {
            row(
                "HTTP/2 keepalive",
                "none: no PINGs, so a client that vanished is noticed only by TCP keepalive or the idle limits "
                    + "(set \(keepaliveField))"
            )
        }
        row("connection idle", "\(idleTimeout.text): a connection without streams is closed")
        row("max_connection_duration", maxConnectionDuration.text)
        row("request_timeout", requestTimeout.text)
        for warning in warnings {
            lines.append("  WARNING: \(warning)")
        }
        if routes.isEmpty {
            lines.append("  no forwarding routes")
        }
        for route in routes {
            let grpc = route.grpcMatch ? "gRPC route" : "any route may carry gRPC"
            lines.append(
                "  route \(route.label) (\(route.match); to \(route.clusters.joined(separator: ", "))) [\(grpc)]"
            )
            lines.append("    route.timeout            \(route.timeout.text)")
            let silence =
                route.silence.value.map {
                    "a stream silent (no byte either way) for \(HttpStreamExplanation.seconds($0)) is reset"
                } ?? "no limit on a stream's silence"
            lines.append("    silence limit            \(route.silence.text): \(silence)")
            lines.append("    max_stream_duration      \(route.maxStreamDuration.text)")
            for note in route.notes {
                lines.append("    note: \(note)")
            }
            for warning in route.warnings {
                lines.append("    WARNING: \(warning)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }

    var tree: ConfigTree {
        .object([
            ("listener", .string(listener)),
            ("chain", .string(chain)),
            ("codec", .string(codec)),
            (
                "http2_keepalive",
                keepalive.map { keepalive in
                    .object([
                        ("interval", keepalive.interval.map { .string(ProtoDuration.format($0)) }),
                        ("timeout", .string(ProtoDuration.format(keepalive.timeout))),
                        ("interval_jitter_percent", ConfigTree(.number("\(keepalive.intervalJitterPercent)"))),
                    ])
                } ?? .string("none")
            ),
            ("idle_timeout", idleTimeout.tree),
            ("max_connection_duration", maxConnectionDuration.tree),
            ("request_timeout", requestTimeout.tree),
            ("warnings", .array(warnings.map { .string($0) })),
            (
                "routes",
                .array(
                    routes.map { route in
                        .object([
                            ("route", .string(route.label)),
                            ("path", .string(route.path)),
                            ("match", .string(route.match)),
                            ("grpc_match", .bool(route.grpcMatch)),
                            ("clusters", .array(route.clusters.map { .string($0) })),
                            ("timeout", route.timeout.tree),
                            ("silence_limit", route.silence.tree),
                            ("max_stream_duration", route.maxStreamDuration.tree),
                            ("notes", route.notes.isEmpty ? nil : .array(route.notes.map { .string($0) })),
                            ("warnings", .array(route.warnings.map { .string($0) })),
                        ])
                    }
                )
            ),
        ])
    }
}
