#if os(Linux)
    import Dispatch
    import Foundation
    public import LifelineSocket
    import Synchronization

    /// One relay thread: an edge-triggered epoll set over the sockets of its connections (and of the listening
    /// sockets it accepts on), one scratch buffer every read goes through, and one coarse sweep for idle and
    /// connect timeouts instead of a timer per connection.
    ///
    /// Everything but ``execute(_:)`` and ``stop()`` runs on the loop's thread: connections, listeners and the
    /// observers they report to are touched only there, so none of them takes a lock.
    public final class RelayEventLoop: @unchecked Sendable {
        /// Reads from one socket per turn before the loop serves the others.
        static let readsPerTurn = 16
        /// How long accepting pauses after accept failed for want of resources.
        public static let acceptBackoffMilliseconds: Int64 = 100
        static let scratchBytes = 64 * 1024
        /// Pipes kept for reuse per loop; more are closed when given back.
        private static let sparePipes = 64
        private static let wakeupToken: UInt64 = 0

        /// Whether bulk directions move their bytes by `splice(2)` through a pipe rather than `read`/`send`.
        let splices: Bool
        private let queue: Int32
        private let wakeup: Int32
        private let commands = Mutex<[@Sendable () -> Void]>([])
        private let stopped = DispatchSemaphore(value: 0)

        // Loop-thread state.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: scratchBytes, alignment: 16)
        private(set) var now: Int64 = RelaySystemCalls.now()
        private var nextToken: UInt64 = 2
        private var connections: [UInt64: RelayConnection] = [:]
        private var listeners: [UInt64: RelayListener] = [:]
        private var runAgainList: [RelayConnection] = []
        private var sweepInterval: Int64 = 1000
        private var nextSweep: Int64 = .max
        private var running = true
        private var spare: [RelayPipe] = []
        /// The fewest spare pipes since the last sweep: that many were not needed, and the sweep closes them, so
        /// the loop's descriptors come back to what its connections hold soon after bulk traffic stops.
        private var spareUnused = 0
        /// How many times a bulk direction was lent a pipe to splice through. Read on the loop's thread.
        public private(set) var pipesLent = 0
        /// Pipes kept for reuse now (two descriptors each). Read on the loop's thread.
        public var sparePipeCount: Int { spare.count }

        init(splices: Bool = true) throws(SystemCallError) {
            self.splices = splices
            queue = try RelaySystemCalls.makeEventQueue()
            do {
                wakeup = try RelaySystemCalls.makeWakeup()
                try RelaySystemCalls.watch(
                    queue,
                    fd: wakeup,
                    events: RelaySystemCalls.Readiness.readable | RelaySystemCalls.Readiness.edgeTriggered,
                    token: Self.wakeupToken
                )
            } catch {
                RelaySystemCalls.close(queue)
                throw error
            }
        }

        func start(name: String) {
            let thread = Thread { [self] in
                self.runLoop()
            }
            thread.name = name
            thread.start()
        }

        /// Runs `work` on the loop's thread.
        public func execute(_ work: @escaping @Sendable () -> Void) {
            commands.withLock { $0.append(work) }
            RelaySystemCalls.signal(wakeup)
        }

        /// Closes every connection and listener, stops the thread and waits for it.
        func stop() {
            execute { [self] in self.running = false }
            stopped.wait()
        }

        // MARK: On the loop thread

        /// Dials `settings.upstream` and relays between it and `downstream`, an accepted socket the loop now owns.
        /// Call on the loop's thread. If the upstream socket cannot even be made, the downstream is closed and
        /// `observer` is told so as a connect failure (and nil is returned).
        @discardableResult
        public func relay(
            downstream: Int32,
            settings: RelaySettings,
            observer: any RelayConnectionObserver
        ) -> RelayConnectionID? {
            let token = nextToken
            nextToken += 2
            let upstream: Int32
            do {
                try RelaySystemCalls.setNonBlocking(downstream)
                upstream = try PosixSocketSystemCalls().makeStreamSocket(family: settings.upstream.family)
            } catch {
                observer.relayUpstreamConnectFailed(errorNumber: error.errno, timedOut: false)
                RelaySystemCalls.close(downstream)
                observer.relaySideClosed(.downstream, facts: RelayCloseFacts(closeRequested: true))
                observer.relayFinished()
                return nil
            }
            let connection = RelayConnection(
                token: token,
                downstream: downstream,
                upstream: upstream,
                settings: settings,
                observer: observer,
                loop: self
            )
            connections[token] = connection
            scheduleSweep(for: connection)
            do {
                try RelaySystemCalls.setNonBlocking(upstream)
                for option in settings.upstreamOptions {
                    try PosixSocketSystemCalls().setOption(
                        upstream,
                        level: option.level,
                        name: option.name,
                        value: option.value
                    )
                }
                let events =
                    RelaySystemCalls.Readiness.readable | RelaySystemCalls.Readiness.writable
                    | RelaySystemCalls.Readiness.peerClosedWriting | RelaySystemCalls.Readiness.edgeTriggered
                try RelaySystemCalls.watch(queue, fd: downstream, events: events, token: token)
                try RelaySystemCalls.watch(queue, fd: upstream, events: events, token: token | 1)
                try RelaySystemCalls.startConnect(upstream, to: settings.upstream)
            } catch {
                connection.connectFailed(errorNumber: error.errno, timedOut: false)
                return nil
            }
            return RelayConnectionID(token: token)
        }

        /// Closes one connection (both sides, as the relay's own close) if it is still open. Call on the loop's
        /// thread.
        public func close(_ id: RelayConnectionID) {
            connections[id.token]?.close()
        }

        /// Accepts on `fd` (a listening socket the loop now owns) and gives each accepted socket to `onAccept`, on
        /// the loop's thread. When accept fails for want of descriptors or memory, `onShortage` is told and
        /// accepting pauses for ``acceptBackoffMilliseconds`` (the connections held go on being served) instead of
        /// failing again at once. Call on the loop's thread.
        public func listen(
            fd: Int32,
            onAccept: @escaping (Int32) -> Void,
            onShortage: @escaping (Int32) -> Void = { _ in }
        ) throws(SystemCallError) {
            let token = nextToken
            nextToken += 2
            try RelaySystemCalls.setNonBlocking(fd)
            try RelaySystemCalls.watch(
                queue,
                fd: fd,
                events: RelaySystemCalls.Readiness.readable | RelaySystemCalls.Readiness.edgeTriggered,
                token: token
            )
            listeners[token] = RelayListener(fd: fd, onAccept: onAccept, onShortage: onShortage)
            accept(token)
        }

        /// Stops accepting on `fd` and closes it. Call on the loop's thread.
        public func closeListener(fd: Int32) {
            for (token, listener) in listeners where listener.fd == fd {
                listeners[token] = nil
                RelaySystemCalls.close(fd)
            }
        }

        /// Closes every connection of the loop, each side counted as the relay's own close. Call on the loop's
        /// thread.
        public func closeAll() {
            for connection in Array(connections.values) {
                connection.close()
            }
        }

        /// A pipe for a direction to splice through: a spare one, or a new one; nil when none can be made (the
        /// direction then reads and writes as usual).
        func lendPipe() -> RelayPipe? {
            guard let pipe = spare.popLast() ?? RelaySystemCalls.makePipe() else { return nil }
            spareUnused = min(spareUnused, spare.count)
            pipesLent += 1
            return pipe
        }

        /// Takes back a lent pipe: kept for reuse if it is empty, there is room and the loop still has connections
        /// (a loop with none keeps no descriptor for them), else closed.
        func takeBack(_ pipe: RelayPipe, holding bytes: Int) {
            if bytes == 0, spare.count < Self.sparePipes, !connections.isEmpty {
                spare.append(pipe)
            } else {
                RelaySystemCalls.close(pipe.readEnd)
                RelaySystemCalls.close(pipe.writeEnd)
            }
        }

        func forget(_ connection: RelayConnection) {
            connections[connection.token] = nil
            if connections.isEmpty {
                closeSparePipes(spare.count)
            }
        }

        private func closeSparePipes(_ count: Int) {
            for pipe in spare.suffix(count) {
                RelaySystemCalls.close(pipe.readEnd)
                RelaySystemCalls.close(pipe.writeEnd)
            }
            spare.removeLast(count)
            spareUnused = spare.count
        }

        func runAgain(_ connection: RelayConnection) {
            runAgainList.append(connection)
        }

        private func scheduleSweep(for connection: RelayConnection) {
            if let idle = connection.idleTimeoutMilliseconds, idle != .max {
                // Closes between the timeout and an eighth of it (at most a second) later.
                sweepInterval = min(sweepInterval, max(1, min(1000, idle / 8)))
            }
            nextSweep = min(nextSweep, now + sweepInterval)
        }

        private func runLoop() {
            let events = UnsafeMutableBufferPointer<RelaySystemCalls.Event>.allocate(capacity: 256)
            defer { events.deallocate() }
            while running {
                let timeout: Int32 =
                    !runAgainList.isEmpty ? 0 : nextSweep == .max ? -1 : Int32(clamping: max(0, nextSweep - now))
                let count = RelaySystemCalls.wait(queue, into: events, timeoutMilliseconds: timeout)
                now = RelaySystemCalls.now()
                for event in events[..<count] {
                    dispatch(event)
                }
                if !runAgainList.isEmpty {
                    let again = runAgainList
                    runAgainList.removeAll()
                    for connection in again where !connection.isClosed {
                        connection.run()
                    }
                }
                if now >= nextSweep {
                    sweep()
                }
            }
            closeAll()
            for listener in listeners.values {
                RelaySystemCalls.close(listener.fd)
            }
            listeners.removeAll()
            closeSparePipes(spare.count)
            RelaySystemCalls.close(wakeup)
            RelaySystemCalls.close(queue)
            scratch.deallocate()
            stopped.signal()
        }

        private func dispatch(_ event: RelaySystemCalls.Event) {
            if event.relayToken == Self.wakeupToken {
                RelaySystemCalls.drain(wakeup)
                let work = commands.withLock { commands in
                    defer { commands.removeAll() }
                    return commands
                }
                for item in work {
                    item()
                }
                return
            }
            let token = event.relayToken & ~1
            if let connection = connections[token] {
                connection.ready(event.relayToken & 1 == 0 ? .downstream : .upstream, events: event.relayEvents)
            } else if listeners[token] != nil {
                accept(token)
            }
        }

        private func accept(_ token: UInt64) {
            while let listener = listeners[token], listener.resumeAt == nil {
                switch RelaySystemCalls.accept(listener.fd) {
                case .accepted(let fd):
                    listener.onAccept(fd)
                case .empty:
                    return
                case .failed:
                    continue
                case .shortage(let error):
                    listeners[token]?.resumeAt = now + Self.acceptBackoffMilliseconds
                    nextSweep = min(nextSweep, now + Self.acceptBackoffMilliseconds)
                    listener.onShortage(error)
                    return
                }
            }
        }

        /// Accepting again on listeners whose pause is over (edge-triggered: the backlog gives no new event).
        private func resumeAccepting() {
            for (token, listener) in listeners {
                guard let resumeAt = listener.resumeAt else { continue }
                if now >= resumeAt {
                    listeners[token]?.resumeAt = nil
                    accept(token)
                } else {
                    nextSweep = min(nextSweep, resumeAt)
                }
            }
        }

        private func sweep() {
            var expired: [RelayConnection] = []
            var timedOut: [RelayConnection] = []
            for connection in connections.values {
                switch connection.phase {
                case .connecting(let deadline):
                    if now >= deadline { timedOut.append(connection) }
                case .relaying:
                    if let idle = connection.idleTimeoutMilliseconds, now - connection.lastActivity >= idle {
                        expired.append(connection)
                    }
                case .closed:
                    break
                }
            }
            for connection in timedOut {
                connection.connectFailed(errorNumber: RelaySystemCalls.timedOut, timedOut: true)
            }
            for connection in expired {
                connection.closeIdle()
            }
            closeSparePipes(min(spareUnused, spare.count))
            nextSweep = connections.isEmpty ? .max : now + sweepInterval
            resumeAccepting()
        }
    }
#endif
