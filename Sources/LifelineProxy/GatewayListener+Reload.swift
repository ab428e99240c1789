import LifelinePlan
import NIOConcurrencyHelpers
import NIOCore

/// A reload of a listener that keeps its listening sockets: the new plan's chains are made first (nothing changes
/// if one cannot be), then swapped in for new connections at once; the chains they replace keep their connections
/// and drain.
extension GatewayListener {
    /// The new chain set, not yet in use, and the runtimes made for it (the rest are carried over).
    struct PreparedChains {
        let set: ListenerChainSet
        let made: [any FilterChainRuntime]
        let carried: Int
    }

    /// Whether `plan` listens on the same sockets as the listener does now: address, SO_REUSEPORT, backlog, socket
    /// options (as applied, wherever in the config they came from) and the per-connection buffer limit set on
    /// accepted sockets. Only then can the listener keep its sockets and take the new plan.
    func hasSameSockets(as plan: ListenerPlan) -> Bool {
        let running = self.plan
        return running.address == plan.address && running.reusePort == plan.reusePort
            && running.backlog == plan.backlog && running.bufferLimitBytes == plan.bufferLimitBytes
            && running.socketOptions.map(\.option) == plan.socketOptions.map(\.option)
    }

    /// Makes the chain runtimes `plan` needs: a chain equal to a running one (and, for tcp_proxy, whose cluster is
    /// not in `changedClusters`) is carried over as the same runtime, so its connections are untouched; the others
    /// are made with `makeChain`. Nothing is in use yet.
    func prepareChains(
        for plan: ListenerPlan,
        makeChain: FilterChainFactory,
        changedClusters: Set<String>
    ) async throws -> PreparedChains {
        guard let group = group.withLockedValue({ $0 }) else {
            throw GatewayListenerError.notStarted(listener: plan.name)
        }
        let running = current.withLockedValue { $0.runtimes }
        let environment = environment(group: group)
        var runtimes: [any FilterChainRuntime] = []
        var made: [any FilterChainRuntime] = []
        do {
            for chain in ListenerChains(plan: plan).all {
                if let kept = running.first(where: { Self.canCarry($0, to: chain, changedClusters: changedClusters) }) {
                    runtimes.append(kept)
                } else {
                    let runtime = try await makeChain(chain, environment)
                    made.append(runtime)
                    runtimes.append(runtime)
                }
            }
        } catch {
            for runtime in made { await runtime.closeAll() }
            throw error
        }
        return PreparedChains(
            set: chainSet(plan: plan, runtimes: runtimes),
            made: made,
            carried: runtimes.count - made.count
        )
    }

    /// Puts the prepared chains in use for new connections; the chains they replace drain (HTTP: GOAWAY or
    /// `connection: close`, in-flight requests finish; tcp_proxy: until the connection ends).
    func commit(_ prepared: PreparedChains) {
        let replaced = current.withLockedValue { current in
            defer { current = prepared.set }
            return current.runtimes.filter { old in !prepared.set.runtimes.contains { $0 === old } }
        }
        retire(replaced)
    }

    /// Keeps `runtimes` until their connections end, telling HTTP ones to go away now.
    func retire(_ runtimes: [any FilterChainRuntime]) {
        for runtime in runtimes {
            runtime.drain(strategy: .immediate, time: .zero, closeIdle: false)
        }
        retired.withLockedValue { retired in
            retired = retired.filter { $0.openConnections > 0 } + runtimes
        }
    }

    /// A chain can keep its runtime when its plan is unchanged apart from where in the config it was written, and
    /// a tcp_proxy chain's cluster is unchanged too (its runtime holds the cluster; `http_connection_manager`
    /// chains look their clusters up per request, so they get a changed cluster without a new runtime).
    private static func canCarry(
        _ runtime: any FilterChainRuntime,
        to plan: FilterChainPlan,
        changedClusters: Set<String>
    ) -> Bool {
        var old = runtime.plan
        old.origin = plan.origin
        guard old == plan else { return false }
        if case .tcpProxy(let proxy) = plan.filter, changedClusters.contains(proxy.cluster) { return false }
        return true
    }
}
