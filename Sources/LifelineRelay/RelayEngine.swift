#if os(Linux)
    public import LifelineSocket
    import Synchronization

    /// The L4 relay: a fixed set of ``RelayEventLoop`` threads (one per core) that move the bytes of tcp_proxy
    /// connections whose bytes pass untouched (no TLS terminated or originated here) between their two sockets with
    /// plain `read`/`write`, with no channel pipeline on either side.
    ///
    /// ## Hand-over
    ///
    /// The relay owns its sockets from `accept` on. NIO has no supported way to give up a channel's descriptor: its
    /// socket is internal to NIOPosix, and a channel closes its descriptor when it closes, so a descriptor found
    /// another way (`/proc/self/fd`, `dup` of a number guessed from `getsockname`) would still be shut by NIO at
    /// the end. The other direction is supported (`ServerBootstrap.withBoundSocket`,
    /// `ClientBootstrap.withConnectedSocket`), so a listener whose chains are all relay-eligible hands its
    /// listening socket (made and staged by LifelineSocket's lifecycle driver, as for NIO) to a relay loop, which
    /// accepts there; a chain that needs NIO (TLS termination, HTTP) can be given its accepted socket through
    /// `withConnectedSocket` after the relay has chosen it.
    public final class RelayEngine: Sendable {
        public let loops: [RelayEventLoop]
        private let nextIndex = Atomic<Int>(0)

        /// Starts `loopCount` loops (at least one).
        public init(loopCount: Int) throws(SystemCallError) {
            var loops: [RelayEventLoop] = []
            for index in 0..<max(1, loopCount) {
                let loop: RelayEventLoop
                do {
                    loop = try RelayEventLoop()
                } catch {
                    for started in loops { started.stop() }
                    throw error
                }
                loop.start(name: "lifeline-relay-\(index)")
                loops.append(loop)
            }
            self.loops = loops
        }

        /// The loops in turn, for spreading connections or listening sockets.
        public func next() -> RelayEventLoop {
            loops[nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
        }

        /// Closes every connection and listening socket and stops the loops' threads.
        public func shutdown() {
            for loop in loops {
                loop.stop()
            }
        }
    }
#endif
