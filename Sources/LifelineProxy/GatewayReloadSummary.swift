/// What a reload did, by name: printed as one log line.
public struct GatewayReloadSummary: Sendable, Hashable, CustomStringConvertible {
    /// Listeners that kept their listening sockets and connections and took the new plan.
    public var listenersKept: [String] = []
    /// Listeners whose sockets changed: new sockets accept, the old listener drains.
    public var listenersReplaced: [String] = []
    public var listenersAdded: [String] = []
    /// Listeners no longer in the plan: they stopped accepting and drain.
    public var listenersRemoved: [String] = []
    /// Filter chains of kept listeners carried over as they were (their connections untouched).
    public var chainsKept = 0
    /// Filter chains of kept listeners made anew; the chains they replace drain.
    public var chainsNew = 0
    public var clustersKept: [String] = []
    public var clustersReplaced: [String] = []
    public var clustersAdded: [String] = []
    public var clustersRemoved: [String] = []
    /// Downstream connections left on replaced chains and listeners when the reload was done; they finish on the
    /// old configuration (HTTP ones were told to go away).
    public var connectionsDraining = 0

    public init() {}

    public var description: String {
        func list(_ names: [String]) -> String { names.isEmpty ? "-" : names.joined(separator: ",") }
        return "listeners kept=\(list(listenersKept)) replaced=\(list(listenersReplaced)) "
            + "added=\(list(listenersAdded)) removed=\(list(listenersRemoved)); "
            + "filter_chains kept=\(chainsKept) new=\(chainsNew); "
            + "clusters kept=\(list(clustersKept)) replaced=\(list(clustersReplaced)) "
            + "added=\(list(clustersAdded)) removed=\(list(clustersRemoved)); "
            + "draining_connections=\(connectionsDraining)"
    }
}
