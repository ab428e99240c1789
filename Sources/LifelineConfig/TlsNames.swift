import Foundation

/// The cipher suite and ECDH curve names Envoy 1.40 (BoringSSL) takes in `tls_params`, so that a misspelt name is
/// named when the config is checked rather than when a handshake fails.
///
/// Envoy joins `cipher_suites` with `:` into a BoringSSL cipher list: each entry is a cipher (its OpenSSL-style name,
/// `ECDHE-RSA-AES128-GCM-SHA256`, or its standard name, `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), an alias
/// (`ECDHE`, `AESGCM`, `HIGH`, …), several of these joined with `+`, an equal-preference group
/// `[A|B]`, or one of these after `!`, `-` or `+`. TLS 1.3 suites are not configurable (BoringSSL rejects their
/// names). `ecdh_curves` are joined the same way; each is a group name.
public enum TlsNames {
    /// BoringSSL's TLS 1.0–1.2 cipher suites: (OpenSSL-style name, standard name).
    public static let cipherSuites: [(name: String, standard: String)] = [
        ("DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        ("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
        ("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"),
        ("PSK-AES128-CBC-SHA", "TLS_PSK_WITH_AES_128_CBC_SHA"),
        ("PSK-AES256-CBC-SHA", "TLS_PSK_WITH_AES_256_CBC_SHA"),
        ("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
        ("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
        ("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
        ("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
        ("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        ("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
        ("ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
        ("ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
        ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
        ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        ("ECDHE-PSK-AES128-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"),
        ("ECDHE-PSK-AES256-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"),
        ("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        ("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        ("ECDHE-PSK-CHACHA20-POLY1305", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    ]

    /// BoringSSL's cipher aliases.
    public static let cipherAliases: Set<String> = [
        "ALL", "kRSA", "RSA", "kECDHE", "kEECDH", "ECDHE", "EECDH", "kPSK", "aRSA", "aECDSA", "ECDSA", "aPSK",
        "PSK", "3DES", "AES128", "AES256", "AES", "AESGCM", "CHACHA20", "HIGH", "FIPS", "SHA1", "SHA", "TLSv1",
        "SSLv3", "TLSv1.2", "DEFAULT",
    ]

    /// BoringSSL's group names for `ecdh_curves`.
    public static let curves: [String] = [
        "X25519", "x25519", "P-256", "prime256v1", "P-384", "secp384r1", "P-521", "secp521r1", "X25519MLKEM768",
        "MLKEM1024",
    ]

    /// The TLS 1.3 suites, which BoringSSL does not let a cipher list name.
    static let tls13Suites: Set<String> = [
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    ]

    private static let knownCiphers: Set<String> = Set(cipherSuites.flatMap { [$0.name, $0.standard] })

    /// Why `entry` (one `cipher_suites` element) is not something BoringSSL takes; nil when it is.
    public static func cipherSuiteProblem(_ entry: String) -> String? {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            if let problem = cipherPartProblem(part) { return problem }
        }
        return nil
    }

    /// Whether `entry` only removes or reorders ciphers (`!kRSA`, `-AES`, `+SHA`) rather than adding some.
    static func onlyModifies(_ entry: String) -> Bool {
        entry.split(separator: ":").allSatisfy { "!-+".contains($0.first ?? " ") }
    }

    private static func cipherPartProblem(_ part: String) -> String? {
        if part.isEmpty { return "an empty cipher name" }
        if part.hasPrefix("[") {
            guard part.hasSuffix("]"), part.count > 2 else {
                return "\(JSONText.quote(part)) opens an equal-preference group [A|B] that it does not close"
            }
            for member in part.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false) {
                if let problem = cipherWordProblem(String(member)) { return problem }
            }
            return nil
        }
        var body = Substring(part)
        if let first = body.first, "!-+".contains(first) { body = body.dropFirst() }
        for word in body.split(separator: "+", omittingEmptySubsequences: false) {
            if let problem = cipherWordProblem(String(word)) { return problem }
        }
        return nil
    }

    private static func cipherWordProblem(_ word: String) -> String? {
        if knownCiphers.contains(word) || cipherAliases.contains(word) { return nil }
        if tls13Suites.contains(word) {
            return "\(word) is a TLS 1.3 suite; BoringSSL does not let cipher_suites choose TLS 1.3 suites "
                + "(cipher_suites applies to TLS 1.0–1.2)"
        }
        if let match = cipherSuites.first(where: {
            $0.name.caseInsensitiveCompare(word) == .orderedSame
                || $0.standard.caseInsensitiveCompare(word) == .orderedSame
        }) {
            return "unknown cipher suite \(JSONText.quote(word)); names are case-sensitive: write \(match.name)"
        }
        return "unknown cipher suite \(JSONText.quote(word)); BoringSSL's names are such as "
            + "ECDHE-RSA-AES128-GCM-SHA256 or ECDHE-ECDSA-CHACHA20-POLY1305"
    }

    /// Why `entry` (one `ecdh_curves` element) is not a group BoringSSL takes; nil when it is.
    public static func curveProblem(_ entry: String) -> String? {
        for name in entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        where !curves.contains(name) {
            return "unknown ECDH curve \(JSONText.quote(name)); expected one of "
                + curves.joined(separator: ", ")
        }
        return nil
    }
}
