import LifelineConfig
import Testing

/// One bootstrap written four ways: YAML or JSON, snake_case or lowerCamelCase field names.
struct SpellingFixture: Sendable, CustomTestStringConvertible {
    var label: String
    var file: String
    var text: String
    /// Whether field names are lowerCamelCase; paths name fields as written.
    var camelCase: Bool

    var testDescription: String { label }

    /// A field name as this fixture spells it.
    func key(_ snakeCase: String) -> String {
        guard camelCase else { return snakeCase }
        let words = snakeCase.split(separator: "_")
        return String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

private let snakeYAML = """
    admin:
      address:
        socket_address: { address: 127.0.0.1, port_value: 9901 }
    static_resources:
      listeners:
      - name: ingress
        address:
          socket_address:
            address: 0.0.0.0
            port_value: 8443
        socket_options:
        - description: keepalive on
          level: SOL_SOCKET
          name: SO_KEEPALIVE
          int_value: 1
          state: STATE_LISTENING
        - level: 6
          name: 4
          int_value: 15
          state: 1
        - level: SOL_SOCKET
          name: SO_BINDTODEVICE
          buf_value: ZXRoMA==
          state: STATE_BOUND
        enable_reuse_port: false
        per_connection_buffer_limit_bytes: 32768
        tcp_backlog_size: 512
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: ingress_tcp
              cluster: backend
              idle_timeout: 0.25s
      clusters:
      - name: backend
        type: STRICT_DNS
        connect_timeout: 1.5s
        lb_policy: RANDOM
        per_connection_buffer_limit_bytes: 65536
        load_assignment:
          cluster_name: backend
          endpoints:
          - lb_endpoints:
            - endpoint:
                address:
                  socket_address: { address: backend-a.internal, port_value: 8080 }
          - lb_endpoints:
            - endpoint:
                address:
                  socket_address: { address: backend-b.internal, port_value: 8081 }
    """

private let camelYAML = """
    admin:
      address:
        socketAddress: { address: 127.0.0.1, portValue: 9901 }
    staticResources:
      listeners:
      - name: ingress
        address:
          socketAddress:
            address: 0.0.0.0
            portValue: 8443
        socketOptions:
        - description: keepalive on
          level: SOL_SOCKET
          name: SO_KEEPALIVE
          intValue: 1
          state: STATE_LISTENING
        - level: 6
          name: 4
          intValue: 15
          state: 1
        - level: SOL_SOCKET
          name: SO_BINDTODEVICE
          bufValue: ZXRoMA==
          state: STATE_BOUND
        enableReusePort: false
        perConnectionBufferLimitBytes: 32768
        tcpBacklogSize: 512
        filterChains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typedConfig:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              statPrefix: ingress_tcp
              cluster: backend
              idleTimeout: 0.25s
      clusters:
      - name: backend
        type: STRICT_DNS
        connectTimeout: 1.5s
        lbPolicy: RANDOM
        perConnectionBufferLimitBytes: 65536
        loadAssignment:
          clusterName: backend
          endpoints:
          - lbEndpoints:
            - endpoint:
                address:
                  socketAddress: { address: backend-a.internal, portValue: 8080 }
          - lbEndpoints:
            - endpoint:
                address:
                  socketAddress: { address: backend-b.internal, portValue: 8081 }
    """

private let snakeJSON = """
    {
      "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 9901}}},
      "static_resources": {
        "listeners": [{
          "name": "ingress",
          "address": {"socket_address": {"address": "0.0.0.0", "port_value": "8443"}},
          "socket_options": [
            {"description": "keepalive on", "level": "SOL_SOCKET", "name": "SO_KEEPALIVE", "int_value": 1,
             "state": "STATE_LISTENING"},
            {"level": 6, "name": "4", "int_value": "15", "state": 1},
            {"level": "SOL_SOCKET", "name": "SO_BINDTODEVICE", "buf_value": "ZXRoMA==", "state": "STATE_BOUND"}
          ],
          "enable_reuse_port": false,
          "per_connection_buffer_limit_bytes": 32768,
          "tcp_backlog_size": "512",
          "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.tcp_proxy",
            "typed_config": {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
              "stat_prefix": "ingress_tcp", "cluster": "backend", "idle_timeout": "0.25s"
            }
          }]}]
        }],
        "clusters": [{
          "name": "backend", "type": "STRICT_DNS", "connect_timeout": "1.5s", "lb_policy": "RANDOM",
          "per_connection_buffer_limit_bytes": "65536",
          "load_assignment": {"cluster_name": "backend", "endpoints": [
            {"lb_endpoints": [{"endpoint": {"address": {"socket_address":
              {"address": "backend-a.internal", "port_value": 8080}}}}]},
            {"lb_endpoints": [{"endpoint": {"address": {"socket_address":
              {"address": "backend-b.internal", "port_value": 8081}}}}]}
          ]}
        }]
      }
    }
    """

private let camelJSON = """
    {
      "admin": {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 9901}}},
      "staticResources": {
        "listeners": [{
          "name": "ingress",
          "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 8443}},
          "socketOptions": [
            {"description": "keepalive on", "level": "SOL_SOCKET", "name": "SO_KEEPALIVE", "intValue": "1",
             "state": "STATE_LISTENING"},
            {"level": "6", "name": 4, "intValue": 15, "state": 1},
            {"level": "SOL_SOCKET", "name": "SO_BINDTODEVICE", "bufValue": "ZXRoMA", "state": "STATE_BOUND"}
          ],
          "enableReusePort": false,
          "perConnectionBufferLimitBytes": "32768",
          "tcpBacklogSize": 512,
          "filterChains": [{"filters": [{
            "name": "envoy.filters.network.tcp_proxy",
            "typedConfig": {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
              "statPrefix": "ingress_tcp", "cluster": "backend", "idleTimeout": "0.25s"
            }
          }]}]
        }],
        "clusters": [{
          "name": "backend", "type": 1, "connectTimeout": "1.5s", "lbPolicy": 3,
          "perConnectionBufferLimitBytes": 65536,
          "loadAssignment": {"clusterName": "backend", "endpoints": [
            {"lbEndpoints": [{"endpoint": {"address": {"socketAddress":
              {"address": "backend-a.internal", "portValue": 8080}}}}]},
            {"lbEndpoints": [{"endpoint": {"address": {"socketAddress":
              {"address": "backend-b.internal", "portValue": 8081}}}}]}
          ]}
        }]
      }
    }
    """

private let fixtures = [
    SpellingFixture(
        label: "YAML snake_case",
        file: "snake.yaml",
        text: snakeYAML,
        camelCase: false
    ),
    SpellingFixture(
        label: "YAML lowerCamelCase",
        file: "camel.yaml",
        text: camelYAML,
        camelCase: true
    ),
    SpellingFixture(
        label: "JSON snake_case",
        file: "snake.json",
        text: snakeJSON,
        camelCase: false
    ),
    SpellingFixture(
        label: "JSON lowerCamelCase",
        file: "camel.json",
        text: camelJSON,
        camelCase: true
    ),
]

@Suite("Every supported field, in both spellings, from YAML and JSON")
struct SpellingTests {
    @Test(arguments: fixtures)
    func admin(_ fixture: SpellingFixture) throws {
        let bootstrap = try decodeBootstrap(fixture.text, file: fixture.file)
        let admin = try #require(bootstrap.admin)
        #expect(admin.address.address == "127.0.0.1")
        #expect(admin.address.portValue == 9901)
        #expect(admin.origin.path == "admin")
        #expect(admin.origin.location?.file == fixture.file)
    }

    @Test(arguments: fixtures)
    func listener(_ fixture: SpellingFixture) throws {
        let bootstrap = try decodeBootstrap(fixture.text, file: fixture.file)
        try #require(bootstrap.listeners.count == 1)
        let listener = bootstrap.listeners[0]
        #expect(listener.name == "ingress")
        #expect(listener.address.address == "0.0.0.0")
        #expect(listener.address.portValue == 8443)
        #expect(listener.enableReusePort == false)
        #expect(listener.perConnectionBufferLimitBytes == 32768)
        #expect(listener.tcpBacklogSize == 512)
        #expect(listener.origin.path == "\(fixture.key("static_resources")).listeners[0]")
        #expect(listener.origin.location?.file == fixture.file)
    }

    @Test(arguments: fixtures)
    func socketOptions(_ fixture: SpellingFixture) throws {
        let bootstrap = try decodeBootstrap(fixture.text, file: fixture.file)
        let options = try #require(bootstrap.listeners.first).socketOptions
        try #require(options.count == 3)
        #expect(options.map(\.description) == ["keepalive on", nil, nil])
        #expect(options.map(\.level) == [.symbol("SOL_SOCKET"), .number(6), .symbol("SOL_SOCKET")])
        #expect(options.map(\.name) == [.symbol("SO_KEEPALIVE"), .number(4), .symbol("SO_BINDTODEVICE")])
        #expect(options.map(\.value) == [.int(1), .int(15), .bytes(Array("eth0".utf8))])
        #expect(options.map(\.state) == [.listening, .bound, .bound])
        let prefix = "\(fixture.key("static_resources")).listeners[0].\(fixture.key("socket_options"))"
        #expect(options.map(\.origin.path) == ["\(prefix)[0]", "\(prefix)[1]", "\(prefix)[2]"])
    }

    @Test(arguments: fixtures)
    func tcpProxy(_ fixture: SpellingFixture) throws {
        let bootstrap = try decodeBootstrap(fixture.text, file: fixture.file)
        let listener = try #require(bootstrap.listeners.first)
        try #require(listener.filterChains.count == 1)
        let filters = listener.filterChains[0].filters
        try #require(filters.count == 1)
        #expect(filters[0].name == "envoy.filters.network.tcp_proxy")
        let proxy = try #require(listener.tcpProxy)
        #expect(proxy.statPrefix == "ingress_tcp")
        #expect(proxy.cluster == "backend")
        #expect(proxy.idleTimeout == .milliseconds(250))
        let chain = "\(fixture.key("static_resources")).listeners[0].\(fixture.key("filter_chains"))[0]"
        #expect(listener.filterChains[0].origin.path == chain)
        #expect(filters[0].origin.path == "\(chain).filters[0]")
        #expect(proxy.origin.path == "\(chain).filters[0].\(fixture.key("typed_config"))")
        #expect(proxy.clusterOrigin.path == "\(chain).filters[0].\(fixture.key("typed_config")).cluster")
    }

    @Test(arguments: fixtures)
    func cluster(_ fixture: SpellingFixture) throws {
        let bootstrap = try decodeBootstrap(fixture.text, file: fixture.file)
        try #require(bootstrap.clusters.count == 1)
        let cluster = bootstrap.clusters[0]
        #expect(cluster.name == "backend")
        #expect(cluster.type == .strictDNS)
        #expect(cluster.connectTimeout == .milliseconds(1500))
        #expect(cluster.lbPolicy == .random)
        #expect(cluster.perConnectionBufferLimitBytes == 65536)
        #expect(cluster.endpoints.map(\.address) == ["backend-a.internal", "backend-b.internal"])
        #expect(cluster.endpoints.map(\.portValue) == [8080, 8081])
        #expect(cluster.origin.path == "\(fixture.key("static_resources")).clusters[0]")
    }

    @Test func camelCaseAndSnakeCasePathsNameTheFieldAsWritten() throws {
        let bootstrap = try decodeBootstrap(camelYAML, file: "camel.yaml")
        let endpoint = try #require(bootstrap.clusters.first?.endpoints.last)
        #expect(
            endpoint.origin.path
                == "staticResources.clusters[0].loadAssignment.endpoints[1].lbEndpoints[0].endpoint.address.socketAddress"
        )
    }
}
