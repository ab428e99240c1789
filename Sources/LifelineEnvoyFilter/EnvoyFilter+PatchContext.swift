extension EnvoyFilter {
    /// `EnvoyFilter.PatchContext`: the kind of proxy configuration a patch is meant for. Lifeline is a gateway, so
    /// `GATEWAY` and `ANY` patches apply and the others are not selected.
    public enum PatchContext: String, Sendable, Hashable, CaseIterable {
        /// `ANY` (0), the default: gateways and sidecars.
        case any = "ANY"
        /// `SIDECAR_INBOUND` (1).
        case sidecarInbound = "SIDECAR_INBOUND"
        /// `SIDECAR_OUTBOUND` (2).
        case sidecarOutbound = "SIDECAR_OUTBOUND"
        /// `GATEWAY` (3).
        case gateway = "GATEWAY"
        /// `WAYPOINT` (4), hidden from Istio's docs.
        case waypoint = "WAYPOINT"

        /// Whether patches in this context apply to a gateway such as Lifeline.
        public var matchesGateway: Bool { self == .any || self == .gateway }

        /// Proto enum numbers, for values written as numbers.
        static let numbers: [Int: String] = [
            0: "ANY", 1: "SIDECAR_INBOUND", 2: "SIDECAR_OUTBOUND", 3: "GATEWAY", 4: "WAYPOINT",
        ]
    }
}
