#if os(Linux)
    import CLifelineRelay
    import Glibc
    import LifelineSocket

    /// Every system call the relay makes, each a tiny function over the kernel's: the rest of the module speaks in
    /// results, never in `errno`. Socket options go through LifelineSocket, the one place for `setsockopt`.
    enum RelaySystemCalls {
        /// What a `read` or `write` on a nonblocking socket came to.
        enum Transfer: Equatable {
            /// This many bytes moved (a read of 0 is the peer's FIN).
            case moved(Int)
            /// The socket has nothing to read or no room to write now (EAGAIN).
            case wouldBlock
            /// The call failed with this errno (ECONNRESET, EPIPE, ETIMEDOUT...).
            case failed(Int32)
        }

        struct Readiness {
            static let readable = lifeline_relay_epollin
            static let writable = lifeline_relay_epollout
            static let peerClosedWriting = lifeline_relay_epollrdhup
            static let hangUp = lifeline_relay_epollhup
            static let error = lifeline_relay_epollerr
            static let edgeTriggered = lifeline_relay_epollet
            /// Bits after which a read has something to say: bytes, the peer's FIN, a hang-up or an error.
            static let input = readable | peerClosedWriting | hangUp | error
            /// Bits after which a write has something to say: room, a hang-up or an error.
            static let output = writable | hangUp | error
            /// Bits that say the input ends (FIN, hang-up or error): read to the end even after a short read.
            static let ended = peerClosedWriting | hangUp | error
        }

        typealias Event = lifeline_relay_event

        static func makeEventQueue() throws(SystemCallError) -> Int32 {
            let fd = lifeline_relay_epoll_create()
            guard fd >= 0 else { throw SystemCallError(call: "epoll_create1", errno: errno) }
            return fd
        }

        static func watch(_ queue: Int32, fd: Int32, events: UInt32, token: UInt64) throws(SystemCallError) {
            guard lifeline_relay_epoll_add(queue, fd, events, token) == 0 else {
                throw SystemCallError(call: "epoll_ctl", errno: errno)
            }
        }

        static func unwatch(_ queue: Int32, fd: Int32) {
            _ = lifeline_relay_epoll_delete(queue, fd)
        }

        /// Waits for events; an interrupted wait returns none.
        static func wait(_ queue: Int32, into events: UnsafeMutableBufferPointer<Event>, timeoutMilliseconds: Int32)
            -> Int
        {
            let count = lifeline_relay_epoll_wait(queue, events.baseAddress, Int32(events.count), timeoutMilliseconds)
            return count < 0 ? 0 : Int(count)
        }

        static func makeWakeup() throws(SystemCallError) -> Int32 {
            let fd = lifeline_relay_eventfd()
            guard fd >= 0 else { throw SystemCallError(call: "eventfd", errno: errno) }
            return fd
        }

        static func signal(_ wakeup: Int32) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeup, &one, MemoryLayout<UInt64>.size)
        }

        static func drain(_ wakeup: Int32) {
            var count: UInt64 = 0
            _ = Glibc.read(wakeup, &count, MemoryLayout<UInt64>.size)
        }

        /// What one `accept4` came to.
        enum Accept: Equatable {
            case accepted(Int32)
            /// The backlog is empty.
            case empty
            /// Out of descriptors or kernel memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): the connection stays in the
            /// backlog and retrying at once fails again.
            case shortage(Int32)
            /// This connection failed (ECONNABORTED...); the next accept moves past it.
            case failed(Int32)
        }

        /// `accept4` with the new socket nonblocking.
        static func accept(_ listening: Int32) -> Accept {
            let fd = lifeline_relay_accept(listening)
            if fd >= 0 { return .accepted(fd) }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return .empty
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .shortage(errno)
            default: return .failed(errno)
            }
        }

        static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Transfer {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return .moved(count) }
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .failed(errno)
        }

        static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) -> Transfer {
            let count = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .moved(count) }
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .failed(errno)
        }

        /// A nonblocking pipe for `splice`; nil when none can be made (out of descriptors).
        static func makePipe() -> RelayPipe? {
            var ends: [Int32] = [-1, -1]
            guard lifeline_relay_pipe(&ends) == 0 else { return nil }
            return RelayPipe(readEnd: ends[0], writeEnd: ends[1])
        }

        /// Moves up to `count` bytes from `source` to `target` inside the kernel, one of them a pipe. Would-block
        /// when the socket has nothing to read or no room, or the pipe is empty or full.
        static func splice(from source: Int32, to target: Int32, count: Int) -> Transfer {
            let moved = lifeline_relay_splice(source, target, UInt(count))
            if moved >= 0 { return .moved(moved) }
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .failed(errno)
        }

        /// `shutdown(SHUT_WR)`: the peer reads FIN after the bytes already written.
        static func shutdownOutput(_ fd: Int32) {
            _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        }

        static func close(_ fd: Int32) {
            _ = Glibc.close(fd)
        }

        /// SO_LINGER 0: the next `close` sends RST instead of FIN.
        static func resetOnClose(_ fd: Int32) {
            var value = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size))
        }

        /// Whether a read or write failed because the peer reset the connection.
        static func isReset(_ errorNumber: Int32) -> Bool {
            errorNumber == ECONNRESET || errorNumber == EPIPE
        }

        static func setNonBlocking(_ fd: Int32) throws(SystemCallError) {
            let flags = fcntl(fd, F_GETFL)
            guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
                throw SystemCallError(call: "fcntl", errno: errno)
            }
        }

        /// Starts a nonblocking connect; throws when it failed at once rather than being under way.
        static func startConnect(_ fd: Int32, to endpoint: IPEndpoint) throws(SystemCallError) {
            let result = endpoint.withSockAddr { Glibc.connect(fd, $0, $1) }
            guard result == 0 || errno == EINPROGRESS else { throw SystemCallError(call: "connect", errno: errno) }
        }

        /// `SO_ERROR`: 0 once a nonblocking connect succeeded, its errno if it failed.
        static func pendingError(_ fd: Int32) -> Int32 {
            (try? PosixSocketSystemCalls().getIntOption(fd, level: SOL_SOCKET, name: SO_ERROR)) ?? EBADF
        }

        /// Milliseconds on the monotonic clock.
        static func now() -> Int64 {
            var time = timespec()
            clock_gettime(CLOCK_MONOTONIC, &time)
            return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
        }

        static let timedOut = ETIMEDOUT
    }
#endif

#if os(Linux)
    extension lifeline_relay_event {
        /// Which socket of which connection (or listener) the event is for, as registered.
        var relayToken: UInt64 { token }
        /// The epoll readiness bits.
        var relayEvents: UInt32 { events }
    }
#endif
