#if os(Linux)
    import LifelineSocket

    /// One relayed connection: the downstream socket, the upstream socket the relay dialled for it, and the bytes
    /// one side read that the other has not taken yet. Lives on one relay loop and is touched only there.
    ///
    /// Bytes go from a read straight into a write on the other socket; only what that write leaves over is kept,
    /// and reading from its partner stops once `per_connection_buffer_limit_bytes` are kept for a side (Envoy's
    /// high watermark; no read goes past it). A FIN read on one side becomes
    /// `shutdown(SHUT_WR)` on the other once the kept bytes are written; a socket closes once both its directions
    /// have ended (its partner may still be writing what it was sent), and both close at once when either fails.
    final class RelayConnection {
        enum Phase {
            case connecting(deadline: Int64)
            case relaying
            case closed
        }

        let token: UInt64
        let observer: any RelayConnectionObserver
        private unowned let loop: RelayEventLoop
        private(set) var phase: Phase
        private var downstream: RelaySocketState
        private var upstream: RelaySocketState
        /// Read from downstream, for upstream.
        private var towardUpstream = RelayPendingBytes()
        /// Read from upstream, for downstream.
        private var towardDownstream = RelayPendingBytes()
        private let readLimit: Int
        /// When a byte last moved, on the loop's millisecond clock.
        private(set) var lastActivity: Int64
        let idleTimeoutMilliseconds: Int64?

        init(
            token: UInt64,
            downstream: Int32,
            upstream: Int32,
            settings: RelaySettings,
            observer: any RelayConnectionObserver,
            loop: RelayEventLoop
        ) {
            self.token = token
            self.observer = observer
            self.loop = loop
            self.downstream = RelaySocketState(fd: downstream)
            self.upstream = RelaySocketState(fd: upstream)
            readLimit = max(1, settings.bufferLimitBytes)
            lastActivity = loop.now
            idleTimeoutMilliseconds = settings.idleTimeout.map(\.relayMilliseconds)
            let connectTimeout = settings.connectTimeout.relayMilliseconds
            phase = .connecting(deadline: connectTimeout == .max ? .max : loop.now + connectTimeout)
        }

        var isClosed: Bool {
            if case .closed = phase { return true }
            return false
        }

        // MARK: Readiness

        /// The kernel reported `events` for `side`'s socket.
        func ready(_ side: RelaySide, events: UInt32) {
            let readable =
                RelaySystemCalls.Readiness.readable | RelaySystemCalls.Readiness.peerClosedWriting
                | RelaySystemCalls.Readiness.hangUp | RelaySystemCalls.Readiness.error
            let writable =
                RelaySystemCalls.Readiness.writable | RelaySystemCalls.Readiness.hangUp
                | RelaySystemCalls.Readiness.error
            update(side) {
                if events & readable != 0 { $0.readable = true }
                if events & writable != 0 { $0.writable = true }
            }
            if case .connecting = phase, side == .upstream, upstream.writable {
                finishConnect()
            }
            run()
        }

        /// Moves what can be moved in both directions, then closes each socket whose two directions have both
        /// ended (the other may still be writing what it was sent).
        func run() {
            guard case .relaying = phase else { return }
            pump(from: .downstream)
            pump(from: .upstream)
            guard case .relaying = phase else { return }
            for side in [RelaySide.downstream, .upstream] {
                let socket = state(side)
                if !socket.closed, socket.sawEndOfInput, socket.outputShut {
                    closeSide(side, idleTimedOut: false)
                }
            }
            finishIfBothClosed()
        }

        // MARK: Connect

        private func finishConnect() {
            let error = RelaySystemCalls.pendingError(upstream.fd)
            guard error == 0 else {
                connectFailed(errorNumber: error, timedOut: false)
                return
            }
            phase = .relaying
            observer.relayUpstreamConnected(descriptor: upstream.fd)
        }

        /// The upstream did not connect: the downstream is closed, counted as the relay's close.
        func connectFailed(errorNumber: Int32, timedOut: Bool) {
            guard case .connecting = phase else { return }
            phase = .closed
            observer.relayUpstreamConnectFailed(errorNumber: errorNumber, timedOut: timedOut)
            loop.forget(self)
            RelaySystemCalls.close(upstream.fd)
            RelaySystemCalls.close(downstream.fd)
            observer.relaySideClosed(
                .downstream,
                facts: downstream.closeFacts(closeRequested: true, idleTimedOut: false)
            )
            observer.relayFinished()
        }

        // MARK: Moving bytes

        /// Writes what is kept for `source`'s partner, passes on a FIN, then reads from `source` while less than
        /// the buffer limit is kept for the partner (Envoy's high watermark: reading stops there).
        private func pump(from source: RelaySide) {
            let target = source.other
            guard flushPending(toward: target) else { return }
            passOnEndOfInput(from: source)
            var reads = 0
            while state(source).readable, !state(source).sawEndOfInput {
                let kept = pending(toward: target).count
                guard kept < readLimit else {
                    if !state(source).readingPaused {
                        update(source) { $0.readingPaused = true }
                        observer.relayPausedReading(source)
                    }
                    return
                }
                update(source) { $0.readingPaused = false }
                // A socket that always has more must not keep the loop from its other connections.
                if reads == RelayEventLoop.readsPerTurn {
                    loop.runAgain(self)
                    return
                }
                reads += 1
                let buffer = loop.scratch
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, readLimit - kept)])
                switch RelaySystemCalls.read(state(source).fd, into: slice) {
                case .moved(0):
                    update(source) { $0.sawEndOfInput = true }
                    passOnEndOfInput(from: source)
                case .moved(let count):
                    lastActivity = loop.now
                    observer.relayRead(source, count: count)
                    guard forward(UnsafeRawBufferPointer(rebasing: slice[..<count]), to: target) else { return }
                case .wouldBlock:
                    update(source) { $0.readable = false }
                case .failed(let error):
                    fail(source, errorNumber: error)
                    return
                }
            }
        }

        /// Writes `bytes` to `target` as far as it takes them and keeps the rest; false when the write failed (the
        /// connection is then closed).
        private func forward(_ bytes: UnsafeRawBufferPointer, to target: RelaySide) -> Bool {
            var written = 0
            // Behind kept bytes, new ones queue: order is kept.
            while written < bytes.count, state(target).writable, pending(toward: target).isEmpty {
                switch RelaySystemCalls.write(
                    state(target).fd,
                    from: UnsafeRawBufferPointer(rebasing: bytes[written...])
                )
                {
                case .moved(let count):
                    written += count
                case .wouldBlock:
                    update(target) { $0.writable = false }
                case .failed(let error):
                    fail(target, errorNumber: error)
                    return false
                }
            }
            if written < bytes.count {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[written...])
                switch target {
                case .upstream: towardUpstream.append(rest)
                case .downstream: towardDownstream.append(rest)
                }
            }
            return true
        }

        /// Writes kept bytes to `target` as far as it takes them; false when the write failed (the connection is
        /// then closed).
        private func flushPending(toward target: RelaySide) -> Bool {
            while !pending(toward: target).isEmpty, state(target).writable {
                let fd = state(target).fd
                let result =
                    target == .upstream
                    ? towardUpstream.withUnsafeBytes { RelaySystemCalls.write(fd, from: $0) }
                    : towardDownstream.withUnsafeBytes { RelaySystemCalls.write(fd, from: $0) }
                switch result {
                case .moved(let count):
                    lastActivity = loop.now
                    switch target {
                    case .upstream: towardUpstream.consume(count)
                    case .downstream: towardDownstream.consume(count)
                    }
                case .wouldBlock:
                    update(target) { $0.writable = false }
                case .failed(let error):
                    fail(target, errorNumber: error)
                    return false
                }
            }
            return true
        }

        /// `source` ended its output and everything it sent was written on: the partner's output ends too.
        private func passOnEndOfInput(from source: RelaySide) {
            let target = source.other
            guard state(source).sawEndOfInput, pending(toward: target).isEmpty, !state(target).outputShut else {
                return
            }
            RelaySystemCalls.shutdownOutput(state(target).fd)
            update(target) { $0.outputShut = true }
        }

        // MARK: Closing

        /// `side`'s socket failed: both are closed now, the failed one first (so its facts are reported before the
        /// other's), the other as the relay's own close. An upstream that reset the connection has the client reset in
        /// turn (SO_LINGER 0), as tcp_proxy does, rather than given a FIN that would look like a clean end.
        private func fail(_ side: RelaySide, errorNumber: Int32) {
            update(side) { socket in
                guard socket.errorNumber == nil else { return }
                socket.errorNumber = errorNumber
                if errorNumber == RelaySystemCalls.timedOut {
                    socket.tcpInfo = try? TCPInfo.read(fd: socket.fd)
                }
            }
            if side == .upstream, RelaySystemCalls.isReset(errorNumber), !downstream.closed {
                RelaySystemCalls.resetOnClose(downstream.fd)
            }
            close(idleTimedOut: false, first: side)
        }

        /// tcp_proxy's `idle_timeout` passed.
        func closeIdle() {
            guard case .relaying = phase else { return }
            observer.relayIdleTimedOut()
            close(idleTimedOut: true)
        }

        /// Closes both sockets (a connecting upstream with the downstream) and reports each side's facts, `first`'s
        /// first.
        func close(idleTimedOut: Bool = false, first: RelaySide = .downstream) {
            switch phase {
            case .closed:
                return
            case .connecting:
                phase = .closed
                loop.forget(self)
                RelaySystemCalls.close(upstream.fd)
                RelaySystemCalls.close(downstream.fd)
                observer.relaySideClosed(
                    .downstream,
                    facts: downstream.closeFacts(closeRequested: true, idleTimedOut: idleTimedOut)
                )
                observer.relayFinished()
            case .relaying:
                for side in [first, first == .downstream ? .upstream : .downstream] where !state(side).closed {
                    closeSide(side, idleTimedOut: idleTimedOut)
                }
                finishIfBothClosed()
            }
        }

        private func closeSide(_ side: RelaySide, idleTimedOut: Bool) {
            update(side) { $0.closed = true }
            RelaySystemCalls.close(state(side).fd)
            observer.relaySideClosed(
                side,
                facts: state(side).closeFacts(closeRequested: true, idleTimedOut: idleTimedOut)
            )
        }

        private func finishIfBothClosed() {
            guard case .relaying = phase, downstream.closed, upstream.closed else { return }
            phase = .closed
            loop.forget(self)
            towardUpstream.removeAll()
            towardDownstream.removeAll()
            observer.relayFinished()
        }

        // MARK: Side access

        private func state(_ side: RelaySide) -> RelaySocketState {
            side == .downstream ? downstream : upstream
        }

        private func update(_ side: RelaySide, _ body: (inout RelaySocketState) -> Void) {
            switch side {
            case .downstream: body(&downstream)
            case .upstream: body(&upstream)
            }
        }

        private func pending(toward side: RelaySide) -> RelayPendingBytes {
            side == .upstream ? towardUpstream : towardDownstream
        }
    }

    @available(*, unavailable)
    extension RelayConnection: Sendable {}
#endif
