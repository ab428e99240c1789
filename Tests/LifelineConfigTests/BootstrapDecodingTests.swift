import LifelineConfig
import Testing

@Suite("Bootstrap root and admin")
struct BootstrapDecodingTests {
    @Test(arguments: [
        "admin:\n  address:\n    socket_address: { address: 127.0.0.1, port_value: 9901 }\n",
        "admin:\n  address:\n    socketAddress: { address: 127.0.0.1, portValue: 9901 }\n",
        #"{"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 9901}}}}"#,
        #"{"admin": {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": "9901"}}}}"#,
    ])
    func adminAddress(_ text: String) throws {
        let bootstrap = try decodeBootstrap(text)
        let admin = try #require(bootstrap.admin)
        #expect(admin.address.address == "127.0.0.1")
        #expect(admin.address.portValue == 9901)
        #expect(admin.address.origin.path.hasPrefix("admin.address.socket"))
        #expect(bootstrap.listeners.isEmpty)
        #expect(bootstrap.clusters.isEmpty)
    }

    @Test func adminWithoutAnAddress() {
        expectSingleError("admin: {}\n", path: "admin", message: "admin needs an address", line: 1)
    }

    @Test func adminWithAnIncompleteAddressIsReportedOnce() {
        expectSingleError(
            "admin:\n  address:\n    socket_address: { address: 127.0.0.1 }\n",
            path: "admin.address.socket_address",
            message: "needs a port_value",
            line: 3
        )
    }

    @Test func adminWithABadPortIsReportedOnce() {
        expectSingleError(
            "admin:\n  address:\n    socket_address: { address: 127.0.0.1, port_value: 65536 }\n",
            path: "admin.address.socket_address.port_value",
            message: "65536 is out of range 0...65535",
            line: 3
        )
    }

    @Test(arguments: [
        ("access_log_path: /dev/null", "admin.access_log_path", "Envoy field not supported by Lifeline"),
        ("profilePath: /tmp/p", "admin.profilePath", "Envoy field not supported by Lifeline"),
        ("port: 1", "admin.port", "unknown field"),
    ])
    func adminFields(_ field: String, _ path: String, _ message: String) {
        expectSingleError(
            "admin:\n  \(field)\n  address:\n    socket_address: { address: 127.0.0.1, port_value: 9901 }\n",
            path: path,
            message: message,
            line: 2
        )
    }

    @Test func adminIsOptionalAndNullMeansAbsent() throws {
        #expect(try decodeBootstrap("static_resources: {}\n").admin == nil)
        #expect(try decodeBootstrap("admin: null\nstatic_resources: null\n").admin == nil)
    }

    @Test func socketAddressProtocolIsTCPOnly() throws {
        let bootstrap = try decodeBootstrap(
            "admin:\n  address:\n    socket_address: { protocol: TCP, address: 127.0.0.1, port_value: 9901 }\n"
        )
        #expect(bootstrap.admin?.address.portValue == 9901)
        expectSingleError(
            "admin:\n  address:\n    socket_address: { protocol: UDP, address: 127.0.0.1, port_value: 9901 }\n",
            path: "admin.address.socket_address.protocol",
            message: "unknown protocol \"UDP\"; expected one of TCP",
            line: 3
        )
    }

    @Test func unknownRootField() {
        expectSingleError(
            "static_resources: {}\nstatic_resource: {}\n",
            path: "static_resource",
            message: "unknown field",
            line: 2
        )
    }

    @Test func unknownStaticResourcesField() {
        expectSingleError(
            "staticResources:\n  listener: []\n",
            path: "staticResources.listener",
            message: "unknown field",
            line: 2
        )
    }

    @Test func everyUnsupportedRootFieldIsNamed() {
        let diagnostics = decodeErrors(
            """
            node: { id: gateway, cluster: edge }
            stats_flush_interval: 5s
            layeredRuntime: {}
            dynamic_resources: {}
            """
        )
        #expect(diagnostics.map(\.path) == ["node", "stats_flush_interval", "layeredRuntime", "dynamic_resources"])
        #expect(diagnostics.allSatisfy { $0.message == "Envoy field not supported by Lifeline" })
        #expect(diagnostics.map { $0.location?.line } == [1, 2, 3, 4])
        #expect(diagnostics.map { $0.location?.column } == [1, 1, 1, 1])
    }
}
