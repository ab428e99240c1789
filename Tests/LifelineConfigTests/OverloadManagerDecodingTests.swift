import Foundation
import LifelineConfig
import Testing

@Suite("overload_manager: the global downstream connection limit")
struct OverloadManagerDecodingTests {
    static let typeURL =
        "type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig"

    /// `overload_manager` with one monitor whose `typed_config` holds `typedFields` (YAML, one line each).
    static func config(_ typedFields: String, monitorFields: String = "", rootFields: String = "") -> String {
        """
        overload_manager:
          resource_monitors:
          - name: envoy.resource_monitors.global_downstream_max_connections
            typed_config:
              "@type": \(typeURL)
              \(typedFields)
        \(monitorFields.isEmpty ? "" : "    " + monitorFields)
        \(rootFields.isEmpty ? "" : "  " + rootFields)
        """
    }

    @Test(arguments: [
        config("max_active_downstream_connections: 3"),
        config("maxActiveDownstreamConnections: \"3\""),
        """
        {"overloadManager": {"resourceMonitors": [{"name": "envoy.resource_monitors.global_downstream_max_connections",
          "typedConfig": {"@type": "\(typeURL)", "maxActiveDownstreamConnections": 3}}]}}
        """,
    ])
    func bothSpellings(_ text: String) throws {
        let bootstrap = try decodeBootstrap(text)
        let limit = try #require(bootstrap.globalConnectionLimit)
        #expect(limit.maxActiveDownstreamConnections == 3)
        let path = limit.origin.path.lowercased().filter { $0 != "_" }
        #expect(path == "overloadmanager.resourcemonitors[0].typedconfig.maxactivedownstreamconnections")
    }

    @Test func silentConfigHasNoLimit() throws {
        #expect(try decodeBootstrap("static_resources: {}\n").globalConnectionLimit == nil)
    }

    @Test(arguments: ["0", "-1"])
    func limitMustBePositive(_ value: String) {
        expectSingleError(
            Self.config("max_active_downstream_connections: \(value)"),
            path: "overload_manager.resource_monitors[0].typed_config.max_active_downstream_connections",
            message: "\(value) is out of range 1...9223372036854775807",
            line: 6
        )
    }

    @Test func limitIsRequired() {
        expectSingleError(
            Self.config(""),
            path: "overload_manager.resource_monitors[0].typed_config",
            message: "needs max_active_downstream_connections (greater than 0)"
        )
    }

    @Test func theMonitorNeedsItsName() {
        let text = Self.config("max_active_downstream_connections: 3").replacingOccurrences(
            of: "envoy.resource_monitors.global_downstream_max_connections",
            with: "connection_limit"
        )
        expectSingleError(
            text,
            path: "overload_manager.resource_monitors[0].name",
            message:
                "the monitor of \(Self.typeURL) is named envoy.resource_monitors.global_downstream_max_connections",
            line: 3
        )
    }

    @Test func otherMonitorsAreNotSupported() {
        let text = """
            overload_manager:
              resource_monitors:
              - name: envoy.resource_monitors.fixed_heap
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                  max_heap_size_bytes: 1000000
            """
        let diagnostics = decodeErrors(text)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        #expect(diagnostics.first?.path == "overload_manager.resource_monitors[0].typed_config.@type")
        #expect(diagnostics.first?.message.contains("not supported by Lifeline") == true)
    }

    @Test(arguments: [
        ("refresh_interval: 0.25s", "overload_manager.refresh_interval", "Envoy field not supported by Lifeline"),
        ("actions: []", "overload_manager.actions", "Envoy field not supported by Lifeline"),
        ("loadshedPoints: []", "overload_manager.loadshedPoints", "Envoy field not supported by Lifeline"),
        ("bogus: 1", "overload_manager.bogus", "unknown field"),
    ])
    func otherOverloadManagerFields(_ field: String, _ path: String, _ message: String) {
        expectSingleError(
            Self.config("max_active_downstream_connections: 3", rootFields: field),
            path: path,
            message: message,
            line: 8
        )
    }

    @Test(arguments: ["overload_manager: {}\n", "overload_manager:\n  resource_monitors: []\n"])
    func anOverloadManagerNeedsAMonitor(_ text: String) {
        expectSingleError(text, path: "overload_manager", message: "needs at least one resource_monitors entry")
    }

    @Test func fieldsEnvoyDoesNotHaveAreUnknown() {
        expectSingleError(
            Self.config("max_active_downstream_connections: 3", rootFields: "buffer_factor_config: {}"),
            path: "overload_manager.buffer_factor_config",
            message: "unknown field",
            line: 8
        )
    }

    @Test func unknownTypedConfigField() {
        expectSingleError(
            Self.config("max_active_downstream_connections: 3\n      max: 1"),
            path: "overload_manager.resource_monitors[0].typed_config.max",
            message: "unknown field",
            line: 7
        )
    }

    @Test func unknownMonitorField() {
        expectSingleError(
            Self.config("max_active_downstream_connections: 3", monitorFields: "bogus: 1"),
            path: "overload_manager.resource_monitors[0].bogus",
            message: "unknown field",
            line: 7
        )
    }

    @Test func theLimitIsGivenOnce() {
        let monitor = """
              - name: envoy.resource_monitors.global_downstream_max_connections
                typed_config:
                  "@type": \(Self.typeURL)
                  max_active_downstream_connections: 3
            """
        expectSingleError(
            "overload_manager:\n  resource_monitors:\n\(monitor)\n\(monitor)\n",
            path: "overload_manager.resource_monitors[1]",
            message: "the global downstream connection limit is given more than once",
            line: 7
        )
    }
}
