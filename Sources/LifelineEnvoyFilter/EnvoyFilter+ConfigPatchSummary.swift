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
        if let filter = match.listener?.filterChain?.filterName, let canonical = NetworkFilterNames.canonical[filter] {
            return "\(filter) is a deprecated filter name and istiod matches names exactly: match \(canonical)"
        }
        return nil
    }
}
