/// `envoy.config.listener.v3.ListenerFilter`: a filter that looks at a connection before its filter chain is chosen.
/// As with network filters, the `@type` of `typed_config` decides which filter it is; the name is free.
public struct ListenerFilterConfig: Sendable {
    public enum Kind: Sendable, Hashable {
        /// `envoy.filters.listener.tls_inspector`: reads SNI and ALPN from a TLS ClientHello and marks the connection
        /// `tls`, without consuming the bytes.
        case tlsInspector
        /// `envoy.filters.listener.proxy_protocol`: reads a PROXY protocol header and makes the addresses it names
        /// the connection's.
        case proxyProtocol(ProxyProtocolConfig)
    }

    /// The canonical name of the TLS inspector.
    public static let tlsInspectorName = "envoy.filters.listener.tls_inspector"
    /// `type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`.
    public static let tlsInspectorTypeURL =
        "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
    /// Envoy's default `listener_filters_timeout`: 15 s.
    public static let defaultTimeout: Duration = .seconds(15)

    /// `name`: any non-empty name.
    public var name: String
    public var kind: Kind
    public var origin: ConfigOrigin

    public init(name: String, kind: Kind, origin: ConfigOrigin) {
        self.name = name
        self.kind = kind
        self.origin = origin
    }
}

extension ListenerFilterConfig {
    static let tlsInspectorEnvoyFields: Set<String> = [
        "enable_ja3_fingerprinting", "enable_ja4_fingerprinting", "initial_read_buffer_size",
        "close_connection_on_client_hello_parsing_errors", "max_client_hello_size",
    ]

    /// Reads a listener filter as Envoy does: the extension is the one `typed_config`'s `@type` names. Envoy finds
    /// none without an `@type`, whatever the name (even `envoy.filters.listener.tls_inspector`).
    static func decode(_ field: FieldValue) -> ListenerFilterConfig? {
        guard var reader = field.object() else { return nil }
        let nameField = reader.field("name")
        let name = nameField?.name()
        let typedConfig = reader.field("typed_config")
        let discovered = reader.has("config_discovery")
        reader.finish(envoyFields: ["config_discovery", "filter_disabled"])
        if nameField == nil { field.error("a listener filter needs a name") }
        guard let typedConfig else {
            if !discovered {
                field.error(
                    "a listener filter needs a typed_config whose @type names it, e.g. \(tlsInspectorTypeURL)"
                )
            }
            return nil
        }
        guard var typed = typedConfig.object() else { return nil }
        guard let typeField = typed.field("@type") else {
            typedConfig.error(
                "typed_config needs an @type: Envoy picks the listener filter by its type, not by its name "
                    + "(e.g. \(tlsInspectorTypeURL))"
            )
            return nil
        }
        guard let type = typeField.string() else { return nil }
        let kind: Kind
        switch type {
        case tlsInspectorTypeURL:
            typed.finish(envoyFields: tlsInspectorEnvoyFields)
            kind = .tlsInspector
        case ProxyProtocolConfig.typeURL:
            kind = .proxyProtocol(ProxyProtocolConfig.decode(&typed))
        default:
            typeField.error(
                "listener filter \(JSONText.quote(type)) is not supported by Lifeline, which runs "
                    + "\(tlsInspectorTypeURL) and \(ProxyProtocolConfig.typeURL)"
            )
            return nil
        }
        guard let name else { return nil }
        return ListenerFilterConfig(name: name, kind: kind, origin: field.origin)
    }
}
