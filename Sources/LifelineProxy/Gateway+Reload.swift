public import LifelinePlan
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Applying a new plan to the running gateway, matching listeners and clusters by name as Envoy does. Everything
/// that can fail (resolving a cluster, a TLS context, binding a socket) is done first; if anything fails, what was
/// started is stopped and the gateway runs on as it was. No established connection is cut: what a reload replaces
/// keeps its connections and drains.
extension Gateway {
    /// Applies `plan`:
    /// - a listener whose sockets are unchanged (``GatewayListener/hasSameSockets(as:)``) keeps its listening
    ///   sockets and connections, and new connections get the new filter chains; an unchanged chain keeps its
    ///   runtime, a changed or removed one drains;
    /// - a listener whose sockets changed gets new sockets, then the old ones stop accepting and its connections
    ///   drain. With SO_REUSEPORT on both, old and new sockets share the port meanwhile, so no connection attempt is
    ///   refused; otherwise the old sockets close first and connection attempts are refused until the new ones
    ///   listen (a few milliseconds);
    /// - a removed listener stops accepting and drains; a new one starts;
    /// - draining connections finish on the configuration they began with: HTTP/2 ones get GOAWAY and close when
    ///   their streams end; HTTP/1.1 ones answer the request in flight (or, idle, their next one) with
    ///   `connection: close` and close — an idle one is not closed at once, as its client may be sending a request
    ///   right then (Envoy 1.40 leaves idle HTTP/1.1 connections open on a drain too); tcp_proxy ones run until they
    ///   end;
    /// - an unchanged cluster keeps its ``UpstreamCluster`` and pooled connections; a changed or new one gets new
    ///   ones for new requests, and the pools of a changed or removed one close as their requests end.
    ///
    /// Connections queued on a listening socket that closes (accepted by the kernel, not yet by the gateway) are
    /// reset by Linux unless `net.ipv4.tcp_migrate_req` is set, which moves them to another socket of the port.
    ///
    /// - Throws: what failed, naming the listener, chain or cluster; the gateway is then unchanged.
    @discardableResult
    public func reload(to plan: GatewayPlan) async throws -> GatewayReloadSummary {
        let began = reloading.withLockedValue { busy in
            defer { busy = true }
            return !busy
        }
        guard began else { throw GatewayReloadError.reloadInProgress }
        defer { reloading.withLockedValue { $0 = false } }
        let old = state.withLockedValue { $0 }
        guard let group = old.group else { throw GatewayReloadError.notStarted }

        var summary = GatewayReloadSummary()
        var clusters: [String: UpstreamCluster] = [:]
        var changedClusters: Set<String> = []
        for cluster in plan.clusters {
            if let kept = old.clusters[cluster.name], Self.sameCluster(kept.plan, cluster) {
                clusters[cluster.name] = kept
                summary.clustersKept.append(cluster.name)
            } else {
                clusters[cluster.name] = try UpstreamCluster(plan: cluster, stats: store.clusterStats(cluster.name))
                changedClusters.insert(cluster.name)
                if old.clusters[cluster.name] == nil {
                    summary.clustersAdded.append(cluster.name)
                } else {
                    summary.clustersReplaced.append(cluster.name)
                }
            }
        }
        for name in old.clusters.keys.sorted() where clusters[name] == nil {
            changedClusters.insert(name)
            summary.clustersRemoved.append(name)
        }
        httpPools.add(clusters: clusters)
        let makeChain = Self.chainFactory(clusters: clusters, pools: httpPools)

        var running: [String: GatewayListener] = [:]
        for listener in old.listeners { running[listener.plan.name] = listener }
        var steps = GatewayReloadSteps()
        var listeners: [GatewayListener] = []
        do {
            for listenerPlan in plan.listeners {
                let name = listenerPlan.name
                guard let existing = running[name] else {
                    let added = GatewayListener(
                        plan: listenerPlan,
                        logger: logger,
                        store: store,
                        connections: connectionTables,
                        budget: connectionBudget,
                        engine: l4Engine,
                        makeChain: makeChain
                    )
                    try await added.start(group: group)
                    steps.started.append(added)
                    listeners.append(added)
                    summary.listenersAdded.append(name)
                    continue
                }
                if existing.hasSameSockets(as: listenerPlan) {
                    let prepared = try await existing.prepareChains(
                        for: listenerPlan,
                        makeChain: makeChain,
                        changedClusters: changedClusters
                    )
                    steps.kept.append((existing, prepared))
                    listeners.append(existing)
                    summary.listenersKept.append(name)
                    summary.chainsKept += prepared.carried
                    summary.chainsNew += prepared.made.count
                    continue
                }
                let replacement = GatewayListener(
                    plan: listenerPlan,
                    logger: logger,
                    store: store,
                    connections: connectionTables,
                    budget: connectionBudget,
                    engine: l4Engine,
                    makeChain: makeChain
                )
                listeners.append(replacement)
                summary.listenersReplaced.append(name)
                if existing.plan.reusePort && listenerPlan.reusePort {
                    try await replacement.start(group: group, port: existing.localPort)
                    steps.started.append(replacement)
                } else {
                    steps.exclusive.append((existing, replacement, existing.localPort))
                }
            }
            // A port held without SO_REUSEPORT cannot be shared: the old sockets close, then the new ones bind.
            for (existing, replacement, port) in steps.exclusive {
                await existing.stopAccepting()
                steps.paused.append((existing, port))
                try await replacement.start(group: group, port: port)
                steps.started.append(replacement)
            }
        } catch {
            await steps.rollBack(group: group)
            logger.warning("reload failed; the running configuration is unchanged", metadata: ["error": "\(error)"])
            throw error
        }

        httpPools.update(clusters: clusters)
        for (listener, prepared) in steps.kept {
            listener.commit(prepared)
        }
        let kept = Set(steps.kept.map { ObjectIdentifier($0.0) })
        var retired: [GatewayListener] = []
        for listener in old.listeners where !kept.contains(ObjectIdentifier(listener)) {
            await listener.stopAccepting()
            listener.drain(strategy: .immediate, time: .zero, closeIdle: false)
            retired.append(listener)
            if !plan.listeners.contains(where: { $0.name == listener.plan.name }) {
                summary.listenersRemoved.append(listener.plan.name)
            }
        }
        connectionBudget.maxConnections = plan.maxDownstreamConnections.maxConnections
        state.withLockedValue { state in
            state.plan = plan
            state.listeners = listeners
            state.clusters = clusters
            state.draining = state.draining.filter { $0.openConnections > 0 } + retired
        }
        summary.connectionsDraining =
            retired.reduce(0) { $0 + $1.openConnections }
            + steps.kept.reduce(0) { total, step in
                total + step.0.retired.withLockedValue { $0.reduce(0) { $0 + $1.openConnections } }
            }
        logger.info("reloaded", metadata: ["reload": "\(summary)"])
        return summary
    }

    /// Equal apart from where in the config the cluster and its socket options were written (a cluster moved in the
    /// file is unchanged).
    static func sameCluster(_ running: ClusterPlan, _ planned: ClusterPlan) -> Bool {
        guard running.upstreamSocketOptions.map(\.option) == planned.upstreamSocketOptions.map(\.option) else {
            return false
        }
        var planned = planned
        planned.origin = running.origin
        planned.upstreamSocketOptions = running.upstreamSocketOptions
        return running == planned
    }
}
