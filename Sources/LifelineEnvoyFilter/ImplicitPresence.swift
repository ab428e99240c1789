import LifelineConfig

/// Proto3 scalar fields without presence, in the messages a MERGE can reach in Lifeline's subset of Envoy.
///
/// istiod decodes a patch value into the Envoy message before merging, and a proto3 scalar holding its default
/// (`""`, `0`, the enum's zero value) is then simply not set, so `proto.Merge` never copies it: MERGE cannot reset
/// `lb_policy` to `ROUND_ROBIN` or clear a `name`. Wrapper types (`UInt32Value`, `BoolValue`), durations and fields in
/// a oneof (`port_value`, `cluster`, `int_value`) have presence and do replace.
enum ImplicitPresence {
    /// Field name → the spellings of its default value.
    static let defaults: [String: Set<String>] = [
        "name": [""],
        "stat_prefix": [""],
        "address": [""],
        "cluster_name": [""],
        "description": [""],
        "protocol": ["TCP", "0"],
        "lb_policy": ["ROUND_ROBIN", "0"],
    ]

    /// Whether `value`, written for `field`, is a default that istiod's MERGE would not copy.
    static func isUnsetDefault(_ value: ConfigTree, field: String) -> Bool {
        guard let spellings = defaults[field] else { return false }
        switch value.value {
        case .string(let text): return spellings.contains(text)
        case .number(let text): return spellings.contains("0") && Double(text) == 0
        default: return false
        }
    }
}
