import LifelineConfig
import Testing

/// Two listeners `a` and `b` proxying to `backend`; the placeholders are replaced per test.
private func twoListeners(
    nameA: String = "a",
    addressA: String = "0.0.0.0",
    portA: Int = 8443,
    nameB: String = "b",
    addressB: String = "0.0.0.0",
    portB: Int = 9443
) -> String {
    """
    static_resources:
      listeners:
      - name: \(nameA)
        address: { socket_address: { address: "\(addressA)", port_value: \(portA) } }
        filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: backend } }] }]
      - name: \(nameB)
        address: { socket_address: { address: "\(addressB)", port_value: \(portB) } }
        filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: backend } }] }]
      clusters:
      - name: backend
        load_assignment:
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }]
    """
}

@Suite("Cross-field errors: references, uniqueness, addresses")
struct ValidationErrorTests {
    @Test func theTwoListenerFixtureIsValid() throws {
        let bootstrap = try decodeBootstrap(twoListeners())
        #expect(bootstrap.listeners.map(\.name) == ["a", "b"])
    }

    @Test func aFilterNamingAMissingCluster() {
        expectSingleError(
            singleListenerConfig().replacingFirst("cluster: backend", with: "cluster: nowhere"),
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster",
            message: "no cluster named \"nowhere\"",
            line: 13
        )
    }

    @Test func duplicateListenerNames() {
        expectSingleError(
            twoListeners(nameA: "dup", nameB: "dup"),
            path: "static_resources.listeners[1]",
            message: "duplicate listener name \"dup\" (first at static_resources.listeners[0])",
            line: 6
        )
    }

    @Test func duplicateClusterNames() {
        expectSingleError(
            twoListeners().replacingFirst(
                "  clusters:\n",
                with: """
                      clusters:
                      - name: backend
                        load_assignment:
                          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } } }] }]

                    """
            ),
            path: "static_resources.clusters[1]",
            message: "duplicate cluster name \"backend\" (first at static_resources.clusters[0])",
            line: 13
        )
    }

    @Test func twoListenersOnTheSameAddressAndPort() {
        expectSingleError(
            twoListeners(portB: 8443),
            path: "static_resources.listeners[1].address.socket_address",
            message: "0.0.0.0:8443 is already bound by listener \"a\"",
            line: 7
        )
    }

    @Test(arguments: [
        ("::1", "::1"),
        ("::1", "0:0:0:0:0:0:0:1"),
        ("fd00::1", "FD00:0::1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
    ])
    func twoIPv6ListenersOnTheSameAddressHoweverSpelled(_ addressA: String, _ addressB: String) {
        expectSingleError(
            twoListeners(addressA: addressA, addressB: addressB, portB: 8443),
            path: "static_resources.listeners[1].address.socket_address",
            message: "[\(addressA)]:8443 is already bound by listener \"a\"",
            line: 7
        )
    }

    @Test func sameAddressAndPortWithDefaultNamesIsReportedTwice() {
        let config = twoListeners(portB: 8443).replacingFirst("  - name: a\n    address", with: "  - address")
            .replacingFirst("  - name: b\n    address", with: "  - address")
        let diagnostics = decodeErrors(config)
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.listeners[1]: duplicate listener name \"0.0.0.0_8443\" "
                    + "(first at static_resources.listeners[0]) (x.yaml:5:5)",
                "static_resources.listeners[1].address.socket_address: 0.0.0.0:8443 is already bound by listener "
                    + "\"0.0.0.0_8443\" (x.yaml:5:32)",
            ]
        )
    }

    @Test(arguments: [
        ("0.0.0.0", 8443, "0.0.0.0", 9443),
        ("127.0.0.1", 8443, "127.0.0.2", 8443),
        ("0.0.0.0", 0, "0.0.0.0", 0),
        ("::1", 8443, "::2", 8443),
    ])
    func listenersThatDoNotCollide(_ addressA: String, _ portA: Int, _ addressB: String, _ portB: Int) throws {
        let bootstrap = try decodeBootstrap(
            twoListeners(addressA: addressA, portA: portA, addressB: addressB, portB: portB)
        )
        #expect(bootstrap.listeners.count == 2)
    }

    @Test(arguments: ["localhost", "example.com", "0.0.0.0.0", "1.2.3", "[::1]", " 127.0.0.1"])
    func aListenerBoundToANonIPAddress(_ address: String) {
        expectSingleError(
            twoListeners(addressB: address),
            path: "static_resources.listeners[1].address.socket_address.address",
            message: "a listener binds an IP address; \"\(address)\" is not one",
            line: 7
        )
    }

    @Test func aStaticEndpointWithAHostName() {
        expectSingleError(
            singleListenerConfig().replacingFirst("address: 10.0.0.1", with: "address: backend.internal"),
            path: "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address"
                + ".socket_address.address",
            message: "a STATIC cluster's endpoints are IP addresses; use type STRICT_DNS or LOGICAL_DNS for "
                + "\"backend.internal\"",
            line: 22
        )
    }

    @Test(arguments: ["STRICT_DNS", "LOGICAL_DNS"])
    func dnsClustersTakeHostNames(_ type: String) throws {
        let bootstrap = try decodeBootstrap(
            singleListenerConfig(clusterFields: "type: \(type)").replacingFirst(
                "address: 10.0.0.1",
                with: "address: backend.internal"
            )
        )
        #expect(bootstrap.clusters.first?.endpoints.map(\.address) == ["backend.internal"])
    }

    @Test func everyListenerReferencingAMissingClusterIsReported() {
        let diagnostics = decodeErrors(twoListeners().replacingFirst("- name: backend", with: "- name: other"))
        #expect(
            diagnostics.map(\.path) == [
                "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster",
                "static_resources.listeners[1].filter_chains[0].filters[0].typed_config.cluster",
            ]
        )
        #expect(diagnostics.map(\.message) == ["no cluster named \"backend\"", "no cluster named \"backend\""])
        #expect(diagnostics.map { $0.location?.line } == [5, 8])
    }
}
