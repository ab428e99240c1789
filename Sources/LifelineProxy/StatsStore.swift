import Synchronization

/// Every scope of stats of a process, by name.
///
/// A gateway takes its listeners' and clusters' counters from the store, so a gateway made from a reloaded config
/// with the same store counts on where the old one stopped: a stat is its name, as in Envoy, whatever config made it.
/// Chains that share a `stat_prefix` share their `http.*` or `tcp.*` stats for the same reason.
public final class StatsStore: Sendable {
    private let scopes = Mutex<[StatScope: StatsScopeStorage]>([:])
    private let started = ContinuousClock.now
    private let live = Atomic<Int>(0)
    private let concurrency = Atomic<Int>(0)

    public init() {}

    /// The counters of one listener whose scope is `listener.<name>.` (its address or `stat_prefix`).
    ///
    /// What the returned stats read (``ProxyStats/subscript(_:)``) is this listener's own count of everything it and
    /// its chains counted, apart from any other listener of the same scope name; the scope (and the root, for
    /// `tls_inspector.*`) is counted alongside.
    public func listenerStats(_ name: String) -> ProxyStats {
        ProxyStats(
            primary: StatsScopeStorage(scope: .listener(name)),
            further: [storage(.listener(name)), storage(.root)]
        )
    }

    /// The counters a chain of `listener` writes: what `listener` counts, plus the chain's own scope
    /// (`http.<prefix>.` or `tcp.<prefix>.`), and for a connection manager its per-listener response classes
    /// (`listener.<name>.http.<prefix>.`).
    public func chainStats(of listener: ProxyStats, chain: StatScope) -> ProxyStats {
        var further = listener.scopes + [storage(chain)]
        if case .listener(let name) = listener.primaryScope, case .http(let prefix) = chain {
            further.append(storage(.listenerHTTP(listener: name, prefix: prefix)))
        }
        return ProxyStats(primary: listener.primaryStorage, further: further)
    }

    /// The counters of cluster `name` (`cluster.<name>.`).
    public func clusterStats(_ name: String) -> ProxyStats {
        ProxyStats(primary: storage(.cluster(name)))
    }

    /// The counters of the `connection_limit` filters whose `stat_prefix` is `prefix`
    /// (`connection_limit.<prefix>.`); filters that share a prefix share them, as in Envoy.
    public func connectionLimitStats(_ prefix: String) -> ProxyStats {
        ProxyStats(primary: storage(.connectionLimit(prefix)))
    }

    /// `server.live`: 1 while the server serves; the caller says when.
    public func setLive(_ isLive: Bool) {
        live.store(isLive ? 1 : 0, ordering: .relaxed)
    }

    /// `server.concurrency`: the event loops connections are served on.
    public func setConcurrency(_ loops: Int) {
        concurrency.store(loops, ordering: .relaxed)
    }

    /// Every stat of every scope, and `server.*`, sorted by name.
    public func samples() -> [StatSample] {
        let all = scopes.withLock { Array($0.values) }
        var samples: [StatSample] = []
        var open = 0
        for storage in all {
            for name in storage.scope.shown {
                let value = storage.value(of: name)
                samples.append(
                    StatSample(
                        scope: storage.scope,
                        leaf: name.rawValue,
                        value: value,
                        kind: name.kind,
                        used: storage.isWritten(name)
                    )
                )
                if case .listener = storage.scope, name == .downstreamConnectionsActive { open += value }
            }
        }
        let uptime = (ContinuousClock.now - started).components.seconds
        let isLive = live.load(ordering: .relaxed)
        let loops = concurrency.load(ordering: .relaxed)
        samples.append(StatSample(scope: .root, leaf: "server.live", value: isLive, kind: .gauge, used: true))
        samples.append(StatSample(scope: .root, leaf: "server.uptime", value: Int(uptime), kind: .gauge, used: true))
        samples.append(StatSample(scope: .root, leaf: "server.concurrency", value: loops, kind: .gauge, used: true))
        samples.append(
            StatSample(scope: .root, leaf: "server.total_connections", value: open, kind: .gauge, used: true)
        )
        return samples.sorted { $0.name < $1.name }
    }

    private func storage(_ scope: StatScope) -> StatsScopeStorage {
        scopes.withLock { scopes in
            if let existing = scopes[scope] { return existing }
            let made = StatsScopeStorage(scope: scope)
            scopes[scope] = made
            return made
        }
    }
}
