#if os(Linux)
    import LifelinePlan
    import LifelineRelay
    import LifelineSocket
    import Logging
    import NIOConcurrencyHelpers
    import NIOCore

    extension GatewayListener {
        /// Whether the listener's connections go to the relay: it is selected (``L4Engine``), and every connection
        /// would go to one tcp_proxy chain whose bytes pass untouched, with no listener filter to run first.
        /// `tls_inspector` and chain matching on the accepted socket are not done by the relay yet, so such
        /// listeners stay on NIO.
        static func relayChain(_ chains: ListenerChainSet) -> TCPProxyChain? {
            guard !hasListenerFilter(chains.plan), let index = chains.selector.unconditional,
                let chain = chains.runtimes[index] as? TCPProxyChain, chain.isRelayEligible
            else { return nil }
            return chain
        }

        /// Whether the plan configures any listener filter. Compared with a plan that configures none, leaving out
        /// only the settings that apply to all filters, so a listener filter added to the plan later keeps its
        /// listeners off the relay until the relay runs it.
        static func hasListenerFilter(_ plan: ListenerPlan) -> Bool {
            var filters = plan.listenerFilters
            let none = ListenerFiltersPlan()
            filters.timeout = none.timeout
            filters.continueOnTimeout = none.continueOnTimeout
            return filters != none
        }

        /// Makes the listening sockets (staged by the lifecycle driver as for NIO) and gives them to relay loops,
        /// which accept on them; false, with nothing made, when the listener is not for the relay.
        func bindRelay(address: IPEndpoint, group: any EventLoopGroup) async throws -> Bool {
            guard engine == .relay, Self.relayChain(current.withLockedValue { $0 }) != nil,
                let relayEngine = RelayEngines.shared(loopCount: Array(group.makeIterator()).count)
            else { return false }
            let loops = plan.reusePort ? relayEngine.loops : [relayEngine.next()]
            let bound = try await makeListeningSockets(on: loops, address: address) { loop, fd in
                relaySockets.withLockedValue { $0.append((loop, fd)) }
                startRelayAccepting(fd: fd, on: loop)
            }
            logger.info(
                "listening",
                metadata: [
                    "listener.address": "\(bound)", "listener.sockets": "\(loops.count)",
                    "listener.engine": "relay",
                ]
            )
            return true
        }

        private func startRelayAccepting(fd: Int32, on loop: RelayEventLoop) {
            let current = current
            let budget = budget
            let stats = stats
            let logger = logger
            let table = connections.table(on: loop)
            let check = acceptedCheck
            let listenerName = plan.name
            loop.execute {
                let backoff = RelayAcceptBackoff(stats: stats, logger: logger)
                do {
                    try loop.listen(
                        fd: fd,
                        onAccept: { accepted in
                            backoff.accepted()
                            // As on NIO: the global cap first, then one read of the chain set per accept.
                            guard budget.acquire() else {
                                stats.increment(.downstreamGlobalOverflow)
                                PosixSocketSystemCalls().close(accepted)
                                return
                            }
                            guard let chain = Self.relayChain(current.withLockedValue { $0 }) else {
                                // A reload gave the listener chains the relay cannot carry.
                                budget.release()
                                stats.increment(.noFilterChainMatch)
                                PosixSocketSystemCalls().close(accepted)
                                return
                            }
                            check.apply(toDescriptor: accepted, listener: listenerName, logger: logger)
                            chain.relay(accepted: accepted, on: loop, table: table) { budget.release() }
                        },
                        onShortage: { error in backoff.refused(errorNumber: error) }
                    )
                } catch {
                    logger.error("the relay cannot accept on the listening socket", metadata: ["error": "\(error)"])
                }
            }
        }

        /// Closes the relay's listening sockets (on their loops) and waits until they are closed.
        func stopRelayAccepting() async {
            let sockets = relaySockets.withLockedValue { sockets in
                defer { sockets.removeAll() }
                return sockets
            }
            for (loop, fd) in sockets {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    loop.execute {
                        loop.closeListener(fd: fd)
                        done.resume()
                    }
                }
            }
        }

        /// Whether relay loops accept the listener's connections (rather than NIO).
        public var isRelayed: Bool {
            relaySockets.withLockedValue { !$0.isEmpty }
        }

        /// The port of the relay's listening sockets, if the relay accepts for the listener.
        var relayPort: Int? {
            relaySockets.withLockedValue { $0.first.flatMap { IPEndpoint.local(ofSocket: $0.fd)?.port } }
        }
    }
#endif
