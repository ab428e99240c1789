#if os(Linux)
    import LifelinePlan
    import LifelineRelay
    import LifelineSocket

    extension TCPProxyChain {
        /// Whether the relay can carry the chain's connections: bytes pass untouched both ways, and no network
        /// filter (`connection_limit`) runs before tcp_proxy.
        var isRelayEligible: Bool {
            plan.tls == nil && plan.connectionLimits.isEmpty && context.cluster.isRelayEligible
        }

        /// Relays an accepted socket (owned by `loop` from now on) to the cluster's next endpoint. Runs on `loop`'s
        /// thread; `whenFinished` runs there once both sockets are closed.
        func relay(
            accepted fd: Int32,
            on loop: RelayEventLoop,
            table: RelayConnectionTable,
            whenFinished: @escaping () -> Void
        ) {
            let endpoint = context.cluster.pickEndpoint()
            guard let settings = context.cluster.relaySettings(to: endpoint, idleTimeout: context.idleTimeout) else {
                PosixSocketSystemCalls().close(fd)
                whenFinished()
                return
            }
            let relayed = context.relayed
            let observer = TCPProxyRelayObserver(
                listener: context,
                upstreamAddress: endpoint,
                peer: IPEndpoint.peer(ofSocket: fd)?.description,
                downstream: fd,
                table: table,
                labels: ConnectionLabels(
                    direction: .downstream,
                    kind: .tcpProxy,
                    listener: context.listenerName,
                    filterChain: plan.name,
                    cluster: context.cluster.plan.name
                )
            )
            observer.whenFinished = { id in
                if let id { relayed.remove(id, on: loop) }
                whenFinished()
            }
            if let id = loop.relay(downstream: fd, settings: settings, observer: observer) {
                observer.id = id
                relayed.insert(id, on: loop)
            }
        }
    }
#endif
