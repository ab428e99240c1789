public import LifelineConfig

/// An Istio `EnvoyFilter` (`networking.istio.io/v1alpha3`): patches to Envoy config, as Lifeline applies them to a
/// bootstrap before decoding it.
///
/// ``EnvoyFilterLoader`` reads them from files; ``EnvoyFilterApplier`` picks the ones that apply to the gateway and
/// applies them in Istio's order.
public struct EnvoyFilter: Sendable {
    /// `metadata.name`.
    public var name: String
    /// `metadata.namespace`; without one, `default`, as `kubectl apply` would put it.
    public var namespace: String
    /// `spec.workloadSelector.labels`: the filter applies only to a gateway that carries every one of these labels.
    /// Empty, as when `workloadSelector` is absent: it applies to every gateway its namespace lets it reach.
    public var workloadSelector: [String: String]
    /// `spec.priority`: filters with a lower priority run first. Default 0; the range is that of an int32.
    public var priority: Int
    /// Every entry of `spec.configPatches`, in the order written, as far as it could be read.
    public var patchEntries: [PatchEntry]
    /// Stands in for Istio's creation time when ordering filters of equal priority: the position among the filters
    /// that one ``EnvoyFilterLoader`` call read (files in the order given, documents and `List` items in file
    /// order). Filters from separate calls may share a number; the name decides between them.
    public var sourceOrder: Int
    /// What was found wrong or worth a warning in the filter's spec (everything but `apiVersion`, `kind` and
    /// `metadata`), in the order found, each with the patch it belongs to. They count only if the filter (and, for a
    /// patch's, the patch) applies to the gateway: ``EnvoyFilterApplier`` reports them then, and a filter meant for
    /// other workloads never fails the gateway.
    public var specDiagnostics: [SpecDiagnostic]
    /// The document the filter was read from. `path` names it (`istio-system/gateway-keepalive`) when its file holds
    /// several filters, and is empty otherwise.
    public var origin: ConfigOrigin

    public init(
        name: String,
        namespace: String = "default",
        workloadSelector: [String: String] = [:],
        priority: Int = 0,
        configPatches: [ConfigPatch] = [],
        sourceOrder: Int = 0,
        specDiagnostics: [SpecDiagnostic] = [],
        origin: ConfigOrigin = ConfigOrigin(path: "")
    ) {
        self.name = name
        self.namespace = namespace
        self.workloadSelector = workloadSelector
        self.priority = priority
        self.patchEntries = configPatches.enumerated().map { index, patch in
            PatchEntry(index: index, match: patch.match, patch: patch, origin: patch.origin)
        }
        self.sourceOrder = sourceOrder
        self.specDiagnostics = specDiagnostics
        self.origin = origin
    }

    /// `namespace/name`, as Istio names the resource.
    public var qualifiedName: String { "\(namespace)/\(name)" }

    /// The patches that could be read (their applyTo and operation are known), in the order written.
    public var configPatches: [ConfigPatch] { patchEntries.compactMap(\.patch) }

    /// The errors in the spec, as if the gateway selected the filter and every patch.
    public var errors: [ConfigDiagnostic] { specDiagnostics.map(\.diagnostic).filter { $0.severity == .error } }

    /// The warnings about the spec, as if the gateway selected the filter and every patch.
    public var warnings: [ConfigDiagnostic] { specDiagnostics.map(\.diagnostic).filter { $0.severity == .warning } }

    /// Whether the gateway's `labels` carry every `workloadSelector` label with the same value.
    public func selects(labels: [String: String]) -> Bool {
        workloadSelector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// The `provenance` Lifeline records on every value that patch `index` of this filter puts into a config.
    public func provenance(ofPatch index: Int) -> String {
        "EnvoyFilter \(qualifiedName) patch \(index)"
    }
}

extension EnvoyFilter {
    /// One entry of `spec.configPatches`.
    public struct PatchEntry: Sendable {
        /// The position in `spec.configPatches`: `patch <index>` in messages and provenance.
        public var index: Int
        /// `match`, as far as it could be read (the same as `patch.match` when there is a patch). Its `context` and
        /// `proxy` decide whether the patch applies to the gateway at all.
        public var match: ObjectMatch
        /// The patch; `nil` when its applyTo or operation could not be read (an error in ``specDiagnostics`` says
        /// why).
        public var patch: ConfigPatch?
        /// Where the entry was written.
        public var origin: ConfigOrigin

        public init(index: Int, match: ObjectMatch, patch: ConfigPatch?, origin: ConfigOrigin) {
            self.index = index
            self.match = match
            self.patch = patch
            self.origin = origin
        }
    }

    /// A problem found in a filter's spec, and the part it belongs to.
    public struct SpecDiagnostic: Sendable {
        public var diagnostic: ConfigDiagnostic
        /// The index in `spec.configPatches` of the patch it belongs to; `nil` for the rest of the spec.
        public var patchIndex: Int?

        public init(_ diagnostic: ConfigDiagnostic, patchIndex: Int? = nil) {
            self.diagnostic = diagnostic
            self.patchIndex = patchIndex
        }
    }

    /// A filter, or one patch of it, that does not apply to the gateway, and why: its namespace, its
    /// `workloadSelector`, or a patch's `match.context` or `match.proxy`. Not an error: istiod would not apply it to
    /// this gateway either.
    public struct NotSelected: Sendable, Hashable, CustomStringConvertible {
        /// `namespace/name`.
        public var filterName: String
        /// The patch's index in `spec.configPatches`; `nil` when the whole filter is not selected.
        public var patchIndex: Int?
        /// Why, e.g. `context SIDECAR_OUTBOUND does not apply to a gateway`.
        public var reason: String

        public init(filterName: String, patchIndex: Int? = nil, reason: String) {
            self.filterName = filterName
            self.patchIndex = patchIndex
            self.reason = reason
        }

        /// `istio-system/foo: not selected: <reason>`, or `istio-system/foo patch 1: not selected: <reason>`.
        public var description: String {
            "\(filterName)\(patchIndex.map { " patch \($0)" } ?? ""): not selected: \(reason)"
        }
    }
}

extension EnvoyFilter {
    /// `EnvoyFilter.EnvoyConfigObjectPatch`: one entry of `spec.configPatches`.
    public struct ConfigPatch: Sendable {
        /// `applyTo`: the kind of object the patch edits.
        public var applyTo: ApplyTo
        /// `match`: which objects of that kind. Absent in the file: every one (context `ANY`).
        public var match: ObjectMatch
        /// `patch.operation`.
        public var operation: Operation
        /// `patch.value`: the Envoy config the operation adds or merges, in proto-JSON form, keeping the positions
        /// it was written at so that errors found after patching point into the filter file. `nil` for `REMOVE`.
        public var value: ConfigTree?
        /// Where the patch was written: `path` is `spec.configPatches[n]` (after the document's name when its file
        /// holds several filters).
        public var origin: ConfigOrigin

        public init(
            applyTo: ApplyTo,
            match: ObjectMatch = ObjectMatch(),
            operation: Operation,
            value: ConfigTree? = nil,
            origin: ConfigOrigin = ConfigOrigin(path: "")
        ) {
            self.applyTo = applyTo
            self.match = match
            self.operation = operation
            self.value = value
            self.origin = origin
        }
    }
}

extension EnvoyFilter {
    /// `EnvoyFilter.ApplyTo`: the kinds of Envoy object Lifeline can patch. A patch of the other kinds Istio has
    /// (LISTENER_FILTER, EXTENSION_CONFIG, BOOTSTRAP) is an error if it applies to the gateway.
    public enum ApplyTo: String, Sendable, Hashable, CaseIterable {
        /// `LISTENER` (1): an entry of `static_resources.listeners`.
        case listener = "LISTENER"
        /// `FILTER_CHAIN` (2): an entry of a listener's `filter_chains`.
        case filterChain = "FILTER_CHAIN"
        /// `NETWORK_FILTER` (3): an entry of a filter chain's `filters`.
        case networkFilter = "NETWORK_FILTER"
        /// `HTTP_FILTER` (4): an entry of an HTTP connection manager's `http_filters`.
        case httpFilter = "HTTP_FILTER"
        /// `ROUTE_CONFIGURATION` (5): an HTTP connection manager's inline `route_config`.
        case routeConfiguration = "ROUTE_CONFIGURATION"
        /// `VIRTUAL_HOST` (6): an entry of a route configuration's `virtual_hosts`.
        case virtualHost = "VIRTUAL_HOST"
        /// `HTTP_ROUTE` (7): an entry of a virtual host's `routes`.
        case httpRoute = "HTTP_ROUTE"
        /// `CLUSTER` (8): an entry of `static_resources.clusters`.
        case cluster = "CLUSTER"

        /// The operations istiod carries out for this kind (its listener, route configuration and cluster patchers);
        /// it skips the others without a word, and Lifeline rejects them instead.
        public var operations: [Operation] {
            switch self {
            case .listener, .filterChain, .cluster: [.merge, .add, .remove]
            case .networkFilter, .httpFilter:
                [.merge, .add, .remove, .insertBefore, .insertAfter, .insertFirst, .replace]
            case .routeConfiguration: [.merge]
            case .virtualHost: [.merge, .add, .remove, .replace]
            case .httpRoute: [.merge, .add, .remove, .insertBefore, .insertAfter, .insertFirst]
            }
        }

        /// Which part of `match` selects objects of this kind.
        var matchClass: MatchClass {
            switch self {
            case .listener, .filterChain, .networkFilter, .httpFilter: .listener
            case .routeConfiguration, .virtualHost, .httpRoute: .routeConfiguration
            case .cluster: .cluster
            }
        }
    }

    /// The three halves of Istio's `match` oneof: which objects a kind is matched as.
    enum MatchClass: String {
        case listener
        case routeConfiguration
        case cluster
    }
}

extension EnvoyFilter {
    /// `EnvoyFilter.Patch.Operation`.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// `MERGE` (1): protobuf merge of the value into each matched object. Scalars replace, messages merge field by
        /// field, repeated fields append.
        case merge = "MERGE"
        /// `ADD` (2): appends the value to the list the kind lives in (for a filter chain or network filter: in each
        /// matched listener or filter chain).
        case add = "ADD"
        /// `REMOVE` (3): removes each matched object.
        case remove = "REMOVE"
        /// `INSERT_BEFORE` (4): inserts the value before the first filter (HTTP filter, route) named by the match; at
        /// the front of the list when the match names none.
        case insertBefore = "INSERT_BEFORE"
        /// `INSERT_AFTER` (5): inserts the value after the first filter (HTTP filter, route) named by the match; at the
        /// end of the list when the match names none.
        case insertAfter = "INSERT_AFTER"
        /// `INSERT_FIRST` (6): inserts the value at the front of the list (for a route: only if the virtual host has a
        /// route the match names, when it names one).
        case insertFirst = "INSERT_FIRST"
        /// `REPLACE` (7): replaces the first filter named by the match with the value (a virtual host: every one
        /// matched).
        case replace = "REPLACE"
    }
}

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

extension EnvoyFilter.ConfigPatch {
    /// What the patch looks for, for messages: `applyTo LISTENER, listener 0.0.0.0_9443`.
    var matchSummary: String {
        var parts = ["applyTo \(applyTo.rawValue)"]
        if let listener = match.listener {
            if let name = listener.name {
                parts.append("listener \(name)")
            } else if let port = listener.portNumber {
                parts.append("listener port \(port)")
            }
            if let chain = listener.filterChain?.name { parts.append("filter chain \(chain)") }
            if let filter = listener.filterChain?.filterName { parts.append("filter \(filter)") }
            if let filter = listener.filterChain?.subFilterName { parts.append("HTTP filter \(filter)") }
        }
        if let routes = match.routeConfiguration {
            if let name = routes.name { parts.append("route configuration \(name)") }
            if let port = routes.portNumber { parts.append("port \(port)") }
            if let name = routes.portName { parts.append("port name \(name)") }
            if let gateway = routes.gateway { parts.append("gateway \(gateway)") }
            if let host = routes.virtualHost?.name { parts.append("virtual host \(host)") }
            if let route = routes.virtualHost?.route {
                if let name = route.name { parts.append("route \(name)") }
                if route.action != .any { parts.append("action \(route.action.rawValue)") }
            }
        }
        if let cluster = match.cluster {
            if let name = cluster.name {
                parts.append("cluster \(name)")
            } else if let port = cluster.portNumber {
                parts.append("cluster port \(port)")
            }
        }
        return parts.joined(separator: ", ")
    }

    /// Why the patch could not have matched anything, or what it likely meant, when that is known without looking at
    /// the config.
    var unmatchedReason: String? {
        if applyTo == .networkFilter, operation == .replace || operation == .remove,
            match.listener?.filterChain?.filterName == nil
        {
            return "\(operation.rawValue) needs match.listener.filterChain.filter.name"
        }
        if applyTo == .httpFilter, operation == .replace || operation == .remove,
            match.listener?.filterChain?.subFilterName == nil
        {
            return "\(operation.rawValue) needs match.listener.filterChain.filter.subFilter.name"
        }
        if let filter = match.listener?.filterChain?.filterName, let canonical = NetworkFilterNames.canonical[filter] {
            return "\(filter) is a deprecated filter name and istiod matches names exactly: match \(canonical)"
        }
        return nil
    }
}
