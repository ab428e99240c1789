import LifelineConfig
import Testing

@Suite("google.protobuf.Duration")
struct DurationTests {
    @Test(arguments: [
        ("1s", Duration.seconds(1)),
        ("0.25s", .milliseconds(250)),
        ("1.5s", .milliseconds(1500)),
        ("0s", .zero),
        ("00s", .zero),
        ("15s", .seconds(15)),
        ("3600s", .seconds(3600)),
        ("0.000000001s", .nanoseconds(1)),
        ("1.000000001s", .seconds(1) + .nanoseconds(1)),
        ("2.100s", .milliseconds(2100)),
        ("315576000000s", .seconds(315_576_000_000)),
    ])
    func parsesProtoJSONDurations(_ text: String, _ duration: Duration) {
        #expect(ProtoDuration.parse(text) == duration)
    }

    @Test(arguments: [
        "", "s", "1", "1m", "1h", "-1s", "+1s", ".5s", "1.s", "1.5.5s", "1e3s", " 1s", "1s ", "1 s", "1S",
        "0.0000000001s", "315576000001s", "99999999999999999999s", "1.-5s", "0x10s",
    ])
    func rejectsOtherSpellings(_ text: String) {
        #expect(ProtoDuration.parse(text) == nil)
    }

    @Test(arguments: [
        (Duration.seconds(1), "1s"),
        (.milliseconds(250), "0.25s"),
        (.milliseconds(1500), "1.5s"),
        (.zero, "0s"),
        (.seconds(3600), "3600s"),
        (.nanoseconds(1), "0.000000001s"),
        (.seconds(2) + .nanoseconds(100), "2.0000001s"),
        (.microseconds(10), "0.00001s"),
    ])
    func formatsTheShortestSpelling(_ duration: Duration, _ text: String) {
        #expect(ProtoDuration.format(duration) == text)
        #expect(ProtoDuration.parse(text) == duration)
    }

    @Test(arguments: [
        (
            "idle_timeout: 1", "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout",
            "expected a duration string such as \"1.5s\", found a number"
        ),
        (
            "idle_timeout: 1m", "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout",
            "invalid duration \"1m\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
        (
            "idleTimeout: \"-1s\"",
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idleTimeout",
            "invalid duration \"-1s\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
        (
            "idle_timeout: { seconds: 1 }",
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout",
            "expected a duration string such as \"1.5s\", found an object"
        ),
    ])
    func badIdleTimeout(_ field: String, _ path: String, _ message: String) {
        expectSingleError(singleListenerConfig(proxyFields: field), path: path, message: message, line: 14)
    }

    @Test(arguments: [
        ("connect_timeout: 5", "expected a duration string such as \"1.5s\", found a number"),
        (
            "connect_timeout: 5.s",
            "invalid duration \"5.s\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
        (
            "connect_timeout: 0.0000000001s",
            "invalid duration \"0.0000000001s\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
    ])
    func badConnectTimeout(_ field: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(clusterFields: field),
            path: "static_resources.clusters[0].connect_timeout",
            message: message,
            line: 23
        )
    }

    @Test func quotedIntegersAreAcceptedWhereverIntegersAre() throws {
        let bootstrap = try decodeBootstrap(
            """
            {
              "static_resources": {
                "listeners": [{
                  "address": {"socket_address": {"address": "127.0.0.1", "port_value": "10000"}},
                  "socket_options": [{"level": "1", "name": "9", "int_value": "-1", "state": 2}],
                  "per_connection_buffer_limit_bytes": "8192",
                  "tcp_backlog_size": "64",
                  "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy",
                    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                      "stat_prefix": "p", "cluster": "c"}}]}]
                }],
                "clusters": [{"name": "c", "type": 0, "lb_policy": 3, "per_connection_buffer_limit_bytes": "4096",
                  "load_assignment": {"endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                    {"socket_address": {"address": "127.0.0.1", "port_value": "8081"}}}}]}]}}]
              }
            }
            """,
            file: "x.json"
        )
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.name == "127.0.0.1_10000")
        #expect(listener.address.portValue == 10000)
        #expect(listener.perConnectionBufferLimitBytes == 8192)
        #expect(listener.tcpBacklogSize == 64)
        #expect(listener.socketOptions.map(\.level) == [.number(1)])
        #expect(listener.socketOptions.map(\.name) == [.number(9)])
        #expect(listener.socketOptions.map(\.value) == [.int(-1)])
        #expect(listener.socketOptions.map(\.state) == [.listening])
        let cluster = try #require(bootstrap.clusters.first)
        #expect(cluster.endpoints.map(\.portValue) == [8081])
        #expect(cluster.perConnectionBufferLimitBytes == 4096)
        #expect(cluster.lbPolicy == .random)
    }
}
