import Foundation

extension Bootstrap {
    /// Cross-field checks: names unique, references resolve, addresses usable. Reports every problem.
    func validate(sink: DiagnosticSink) {
        validateUnique(listeners.map { ($0.name, $0.origin) }, kind: "listener", sink: sink)
        validateUnique(clusters.map { ($0.name, $0.origin) }, kind: "cluster", sink: sink)

        for listener in listeners {
            listener.validateFilterChains(sink: sink)
        }

        var bound: [String: String] = [:]
        for listener in listeners {
            let address = listener.address
            if !IPAddressText.isNumeric(address.address) {
                sink.error(
                    ConfigOrigin(
                        path: address.origin.path + ".address",
                        location: address.origin.location,
                        provenance: address.origin.provenance
                    ),
                    "a listener binds an IP address; \(JSONText.quote(address.address)) is not one"
                )
            }
            if address.portValue != 0 {
                // One spelling per address, so that `::1` and `0:0:0:0:0:0:0:1` are seen to collide (with SO_REUSEPORT
                // both would bind, and the kernel would split connections between the two listeners).
                let host = IPAddressText.canonical(address.address) ?? address.address
                let key = "\(host):\(address.portValue)"
                if let other = bound[key] {
                    sink.error(address.origin, "\(key) is already bound by listener \(JSONText.quote(other))")
                } else {
                    bound[key] = listener.name
                }
            }
        }

        for reference in sink.clusterReferences where !sink.declaredClusters.contains(reference.name) {
            sink.error(reference.origin, "no cluster named \(JSONText.quote(reference.name))")
        }

        for cluster in clusters {
            if cluster.endpoints.isEmpty {
                sink.error(cluster.origin, "cluster \(JSONText.quote(cluster.name)) has no endpoints")
            }
            for endpoint in cluster.endpoints {
                if endpoint.portValue == 0 {
                    sink.error(
                        ConfigOrigin(
                            path: endpoint.origin.path + ".port_value",
                            location: endpoint.origin.location,
                            provenance: endpoint.origin.provenance
                        ),
                        "an endpoint needs a port in 1...65535"
                    )
                }
                if cluster.type == .staticAddresses && !IPAddressText.isNumeric(endpoint.address) {
                    sink.error(
                        ConfigOrigin(
                            path: endpoint.origin.path + ".address",
                            location: endpoint.origin.location,
                            provenance: endpoint.origin.provenance
                        ),
                        "a STATIC cluster's endpoints are IP addresses; use type STRICT_DNS or LOGICAL_DNS for "
                            + JSONText.quote(endpoint.address)
                    )
                }
            }
            if cluster.type == .logicalDNS && cluster.endpoints.count > 1 {
                sink.error(cluster.origin, "a LOGICAL_DNS cluster has exactly one endpoint")
            }
        }
    }

    private func validateUnique(_ items: [(String, ConfigOrigin)], kind: String, sink: DiagnosticSink) {
        var seen: [String: ConfigOrigin] = [:]
        for (name, origin) in items {
            if let first = seen[name] {
                sink.error(origin, "duplicate \(kind) name \(JSONText.quote(name)) (first at \(first.path))")
            } else {
                seen[name] = origin
            }
        }
    }
}

/// Recognises numeric IP addresses without touching the socket module.
enum IPAddressText {
    static func isNumeric(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// The bytes of a numeric address in network order: 4 (IPv4) or 16 (IPv6); `nil` if `text` is not numeric.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// The `inet_ntop(3)` spelling of 4 or 16 address bytes (`10.0.0.1`, `2001:db8::1`); nil for another length.
    static func text(_ bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The `inet_ntop(3)` spelling of a numeric address, IPv6 in brackets (`10.0.0.1`, `[::1]`); `nil` if `text` is
    /// not numeric.
    static func canonical(_ text: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        func written() -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1, inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil {
            return written()
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1, inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil {
            return "[" + written() + "]"
        }
        return nil
    }
}
