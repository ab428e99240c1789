import Foundation
import LifelineConfig
import Testing

private let bootstrapYAML = """
    # comments are not kept
    admin:
      address:
        socket_address: { address: "::1", port_value: 9901 }
    static_resources:
      listeners:
      - name: ingress
        address:
          socket_address: { address: 0.0.0.0, port_value: 8443 }
        socket_options:
        - { description: "keepalive: on", level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
        - { level: 6, name: 4, int_value: -15, state: 2 }
        - { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: "ZXRoMA==" }
        enable_reuse_port: false
        tcp_backlog_size: "512"
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: ingress
              cluster: backend
              idle_timeout: 0s
      clusters:
      - name: backend
        type: STRICT_DNS
        connect_timeout: 0.25s
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: backend.internal, port_value: 8080 } } }
            - endpoint: { address: { socket_address: { address: "null", port_value: 8081 } } }
    """

/// Values that plain YAML would read back as something else, or that need escapes.
private let trickyStrings = [
    "", " ", " lead", "trail ", "true", "False", "null", "~", "1", "-1", "+1", "1.5", "1e3", "0x10", "yes", "@type",
    "a: b", "a:b", "#x", "a #b", "- x", "-", "?", "[a]", "{a}", "a,b", "*ref", "&anchor", "!tag", "%x", "|", ">",
    "`x`", "'q'", "\"q\"", "back\\slash", "line\nbreak", "tab\there", "cr\rhere", "bell\u{7}", "del\u{7F}",
    "nel\u{85}", "ls\u{2028}", "ps\u{2029}", "bom\u{FEFF}inside", "→ arrow", "caf\u{E9}", "emoji \u{1F600}", "<<",
]

@Suite("ConfigTree rendering round-trips")
struct RenderingTests {
    @Test func yamlTextOfASmallTree() {
        let tree = ConfigTree.object([
            ("name", .string("a")),
            ("port", .number(8443)),
            ("on", .bool(true)),
            ("nothing", nil),
            ("list", .array([.string("x"), .object([("k", .string("true")), ("n", .array([]))])])),
            ("empty", .object([])),
            ("nested", .array([.array([.number(1), .number(2)])])),
        ])
        #expect(
            tree.yamlText == """
                name: a
                port: 8443
                on: true
                list:
                - x
                - k: "true"
                  n: []
                empty: {}
                nested:
                - - 1
                  - 2

                """
        )
    }

    @Test func jsonTextOfASmallTree() {
        let tree = ConfigTree.object([
            ("name", .string("a \"b\"")),
            ("port", .number(8443)),
            ("list", .array([.bool(false), ConfigTree(.null), .object([])])),
            ("empty", .array([])),
        ])
        #expect(
            tree.jsonText == """
                {
                  "name": "a \\"b\\"",
                  "port": 8443,
                  "list": [
                    false,
                    null,
                    {}
                  ],
                  "empty": []
                }

                """
        )
        #expect(tree.description == #"{"name":"a \"b\"","port":8443,"list":[false,null,{}],"empty":[]}"#)
    }

    @Test func scalarsAtTheTop() {
        #expect(ConfigTree.string("x").yamlText == "x\n")
        #expect(ConfigTree.string("1").yamlText == "\"1\"\n")
        #expect(ConfigTree.number(-3).jsonText == "-3\n")
        #expect(ConfigTree.object([]).yamlText == "{}\n")
        #expect(ConfigTree.array([]).jsonText == "[]\n")
    }

    @Test func aBootstrapRoundTripsThroughYAMLAndJSON() throws {
        let tree = try ConfigLoader.parseDocument(bootstrapYAML, file: "x.yaml")
        let fromYAML = try ConfigLoader.parseDocument(tree.yamlText, file: "out.yaml")
        let fromJSON = try ConfigLoader.parseDocument(tree.jsonText, file: "out.json")
        #expect(fromYAML == tree)
        #expect(fromJSON == tree)
        #expect(fromYAML.yamlText == tree.yamlText)
        #expect(fromJSON.jsonText == tree.jsonText)

        let data = Data(tree.jsonText.utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.keys.sorted() == ["admin", "static_resources"])
    }

    @Test func aRoundTrippedBootstrapDecodesTheSame() throws {
        let tree = try ConfigLoader.parseDocument(bootstrapYAML, file: "x.yaml")
        for text in [tree.yamlText, tree.jsonText] {
            let (bootstrap, _) = try Bootstrap.decode(try ConfigLoader.parseDocument(text))
            #expect(bootstrap.admin?.address.address == "::1")
            let listener = try #require(bootstrap.listeners.first)
            #expect(listener.socketOptions.map(\.description) == ["keepalive: on", nil, nil])
            #expect(listener.socketOptions.map(\.value) == [.int(1), .int(-15), .bytes(Array("eth0".utf8))])
            #expect(listener.socketOptions.map(\.state) == [.listening, .listening, .prebind])
            #expect(listener.tcpBacklogSize == 512)
            #expect(listener.tcpProxy?.idleTimeout == nil)
            #expect(bootstrap.clusters.first?.endpoints.map(\.address) == ["backend.internal", "null"])
            #expect(bootstrap.clusters.first?.connectTimeout == .milliseconds(250))
        }
    }

    @Test(arguments: trickyStrings)
    func stringsRoundTripAsKeysAndValues(_ text: String) throws {
        let tree = ConfigTree.object([(text, .string(text)), ("list", .array([.string(text)]))])
        let fromYAML = try ConfigLoader.parseDocument(tree.yamlText)
        let fromJSON = try ConfigLoader.parseDocument(tree.jsonText)
        #expect(fromYAML == tree, "\(tree.yamlText.debugDescription)")
        #expect(fromJSON == tree, "\(tree.jsonText.debugDescription)")
    }

    @Test func jsonTextWithTrickyStringsIsValidJSON() throws {
        let tree = ConfigTree.array(trickyStrings.map { .string($0) })
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(tree.jsonText.utf8)) as? [String])
        #expect(parsed == trickyStrings)
    }

    @Test(arguments: ["0", "-0", "8443", "-2147483648", "9223372036854775807", "1.5", "1e3", "2.5E-3", "+5"])
    func numbersAreKeptAsWritten(_ text: String) throws {
        let tree = ConfigTree.object([("n", ConfigTree(.number(text)))])
        #expect(tree.yamlText == "n: \(text)\n")
        let fromYAML = try ConfigLoader.parseDocument(tree.yamlText)
        let fromJSON = try ConfigLoader.parseDocument(tree.jsonText)
        guard case .number(let yamlNumber) = fromYAML["n"]?.value, case .number(let jsonNumber) = fromJSON["n"]?.value
        else {
            Issue.record("not read back as a number: \(fromYAML), \(fromJSON)")
            return
        }
        #expect(yamlNumber == text)
        #expect(jsonNumber == text)
    }

    @Test func equalityIgnoresLocationsAndComparesNumbersByValue() throws {
        let a = try ConfigLoader.parseDocument("x: 1\ny: [a]\n", file: "a.yaml")
        let b = try ConfigLoader.parseDocument("\n\nx: 1.0\ny:\n- a\n", file: "b.yaml")
        let reordered = try ConfigLoader.parseDocument("y: [a]\nx: 1\n")
        let quoted = try ConfigLoader.parseDocument("x: \"1\"\ny: [a]\n")
        #expect(a == b)
        #expect(a != reordered)
        #expect(a != quoted)
        #expect(ConfigTree.string("1") != ConfigTree(.number("1")))
        #expect(ConfigTree(.null) != ConfigTree.object([]))
    }

    @Test func plainScalarsResolveAsInJSON() throws {
        let tree = try ConfigLoader.parseDocument(
            "a: true\nb: False\nc: ~\nd: \ne: 12\nf: \"12\"\ng: yes\nh: 0x1F\ni: 'null'\nj: -1.5e2\n"
        )
        #expect(
            tree.description
                == #"{"a":true,"b":false,"c":null,"d":null,"e":12,"f":"12","g":"yes","h":"0x1F","i":"null","j":-1.5e2}"#
        )
    }
}
