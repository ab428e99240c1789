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
            update(side) {
                if events & RelaySystemCalls.Readiness.input != 0 { $0.readable = true }
                if events & RelaySystemCalls.Readiness.output != 0 { $0.writable = true }
                if events & RelaySystemCalls.Readiness.ended != 0 { $0.endReported = true }
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
                if !self[side].closed, self[side].sawEndOfInput, self[side].outputShut {
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
            observer.relayUpstreamConnectFailed(errorNumber: errorNumber, timedOut: timedOut)
            closeWhileConnecting(idleTimedOut: false)
        }

        /// Closes the downstream and the upstream still connecting; only the downstream is reported (the upstream
        /// never was a connection).
        private func closeWhileConnecting(idleTimedOut: Bool) {
            phase = .closed
            loop.forget(self)
            RelaySystemCalls.close(upstream.fd)
            RelaySystemCalls.close(downstream.fd)
            observer.relaySideClosed(
                .downstream,
                facts: downstream.closeFacts(closeRequested: true, idleTimedOut: idleTimedOut)
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
            while self[source].readable, !self[source].sawEndOfInput {
                let kept = self[toward: target].count
                guard kept < readLimit else {
                    pauseReading(source)
                    return
                }
                update(source) { $0.readingPaused = false }
                // A socket that always has more must not keep the loop from its other connections.
                if reads == RelayEventLoop.readsPerTurn {
                    loop.runAgain(self)
                    return
                }
                reads += 1
                if let pipe = pipe(toward: target) {
                    switch splice(from: source, through: pipe, room: readLimit - kept) {
                    case .moved: continue
                    case .stop: return
                    case .pipeFull: break  // Read on into memory, behind what the pipe holds.
                    }
                }
                let buffer = loop.scratch
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, readLimit - kept)])
                switch RelaySystemCalls.read(self[source].fd, into: slice) {
                case .moved(0):
                    update(source) { $0.sawEndOfInput = true }
                    passOnEndOfInput(from: source)
                case .moved(let count):
                    lastActivity = loop.now
                    observer.relayRead(source, count: count)
                    if count == RelayEventLoop.scratchBytes {
                        // A full scratch buffer: more is waiting, so this direction is bulk from now on.
                        updatePending(toward: target) { $0.bulk = true }
                    } else if count < slice.count, !self[source].endReported {
                        // A short read emptied the socket: the next bytes bring a new edge, so no read that would
                        // only say EAGAIN (as nginx and HAProxy do). A reported FIN is read to the end still.
                        update(source) { $0.readable = false }
                    }
                    guard forward(UnsafeRawBufferPointer(rebasing: slice[..<count]), to: target) else { return }
                case .wouldBlock:
                    update(source) { $0.readable = false }
                case .failed(let error):
                    fail(source, errorNumber: error)
                    return
                }
            }
        }

        /// Reading from `source` stops until its partner takes what is held for it (counted once per pause).
        private func pauseReading(_ source: RelaySide) {
            guard !self[source].readingPaused else { return }
            update(source) { $0.readingPaused = true }
            observer.relayPausedReading(source)
        }

        /// The pipe a bulk direction toward `target` splices through now, lent by the loop when the direction needs
        /// one: when the loop splices, the direction is bulk, nothing newer is kept in memory (order holds: the pipe's
        /// bytes go out before the memory's) and the pipe has room. Nil to read and write as usual.
        private func pipe(toward target: RelaySide) -> RelayPipe? {
            guard loop.splices, self[toward: target].bulk, !self[toward: target].hasBufferedBytes,
                self[toward: target].piped < RelayPipe.capacity
            else { return nil }
            if let pipe = self[toward: target].pipe { return pipe }
            guard let pipe = loop.lendPipe() else { return nil }
            updatePending(toward: target) { $0.pipe = pipe }
            return pipe
        }

        /// What one splice into the pipe came to.
        private enum SpliceOutcome {
            /// Bytes moved (or the source ended); go on.
            case moved
            /// The source has nothing more, the target must take what is held first, or the connection closed.
            case stop
            /// The pipe holds bytes and took no more: more may be read into memory, behind them.
            case pipeFull
        }

        /// One splice of at most `room` bytes from `source` into `pipe`, then on into the target as far as it takes
        /// them.
        private func splice(from source: RelaySide, through pipe: RelayPipe, room: Int) -> SpliceOutcome {
            let target = source.other
            let piped = self[toward: target].piped
            let count = min(room, RelayPipe.capacity - piped)
            switch RelaySystemCalls.splice(from: self[source].fd, to: pipe.writeEnd, count: count) {
            case .moved(0):
                update(source) { $0.sawEndOfInput = true }
                passOnEndOfInput(from: source)
                return .moved
            case .moved(let moved):
                lastActivity = loop.now
                observer.relayRead(source, count: moved)
                updatePending(toward: target) { $0.piped += moved }
                return flushPending(toward: target) ? .moved : .stop
            case .wouldBlock:
                guard piped > 0 else {
                    // Nothing to read: the pipe goes back to the loop until the source has more.
                    update(source) { $0.readable = false }
                    returnPipe(toward: target)
                    return .stop
                }
                // The pipe has no free slot for the socket's next buffer, or the source is empty; a read tells
                // which.
                return .pipeFull
            case .failed(let error):
                fail(source, errorNumber: error)
                return .stop
            }
        }

        /// Gives the direction's pipe back to the loop if it is empty.
        private func returnPipe(toward target: RelaySide) {
            guard let pipe = self[toward: target].pipe, self[toward: target].piped == 0 else { return }
            updatePending(toward: target) { $0.pipe = nil }
            loop.takeBack(pipe, holding: 0)
        }

        /// Writes `bytes` to `target` as far as it takes them and keeps the rest; false when the write failed (the
        /// connection is then closed).
        private func forward(_ bytes: UnsafeRawBufferPointer, to target: RelaySide) -> Bool {
            var written = 0
            // Behind kept bytes, new ones queue: order is kept.
            while written < bytes.count, self[target].writable, self[toward: target].isEmpty {
                switch RelaySystemCalls.write(
                    self[target].fd,
                    from: UnsafeRawBufferPointer(rebasing: bytes[written...])
                )
                {
                case .moved(let count):
                    written += count
                    if written < bytes.count {
                        // A short write filled the socket's buffer; the kernel signals room as a new edge.
                        update(target) { $0.writable = false }
                    }
                case .wouldBlock:
                    update(target) { $0.writable = false }
                case .failed(let error):
                    fail(target, errorNumber: error)
                    return false
                }
            }
            if written < bytes.count {
                self[toward: target].append(UnsafeRawBufferPointer(rebasing: bytes[written...]))
            }
            return true
        }

        /// Writes kept bytes (in memory or in the pipe) to `target` as far as it takes them; false when the write
        /// failed (the connection is then closed).
        private func flushPending(toward target: RelaySide) -> Bool {
            while !self[toward: target].isEmpty, self[target].writable {
                let fd = self[target].fd
                let piped = self[toward: target].piped
                let result: RelaySystemCalls.Transfer
                // The pipe's bytes are older than any kept in memory.
                let fromPipe = piped > 0
                if fromPipe, let pipe = self[toward: target].pipe {
                    result = RelaySystemCalls.splice(from: pipe.readEnd, to: fd, count: piped)
                } else {
                    result = self[toward: target].withUnsafeBytes { RelaySystemCalls.write(fd, from: $0) }
                }
                switch result {
                case .moved(let count):
                    lastActivity = loop.now
                    updatePending(toward: target) {
                        if fromPipe { $0.piped -= count } else { $0.consume(count) }
                    }
                case .wouldBlock:
                    update(target) { $0.writable = false }
                case .failed(let error):
                    fail(target, errorNumber: error)
                    return false
                }
            }
            if !self[target.other].readable {
                // Drained and its source quiet: an idle connection holds no pipe.
                returnPipe(toward: target)
            }
            return true
        }

        /// `source` ended its output and everything it sent was written on: the partner's output ends too.
        private func passOnEndOfInput(from source: RelaySide) {
            let target = source.other
            guard self[source].sawEndOfInput, self[toward: target].isEmpty, !self[target].outputShut else {
                return
            }
            RelaySystemCalls.shutdownOutput(self[target].fd)
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
                closeWhileConnecting(idleTimedOut: idleTimedOut)
            case .relaying:
                for side in [first, first == .downstream ? .upstream : .downstream] where !self[side].closed {
                    closeSide(side, idleTimedOut: idleTimedOut)
                }
                finishIfBothClosed()
            }
        }

        private func closeSide(_ side: RelaySide, idleTimedOut: Bool) {
            update(side) { $0.closed = true }
            RelaySystemCalls.close(self[side].fd)
            observer.relaySideClosed(
                side,
                facts: self[side].closeFacts(closeRequested: true, idleTimedOut: idleTimedOut)
            )
        }

        private func finishIfBothClosed() {
            guard case .relaying = phase, downstream.closed, upstream.closed else { return }
            phase = .closed
            loop.forget(self)
            for side in [RelaySide.upstream, .downstream] {
                let piped = self[toward: side].piped
                var pipe: RelayPipe?
                updatePending(toward: side) { pipe = $0.removeAll() }
                if let pipe { loop.takeBack(pipe, holding: piped) }
            }
            observer.relayFinished()
        }

        // MARK: Side access

        /// `side`'s socket state, read and changed in place (no copy of the state per access on the data path).
        private subscript(side: RelaySide) -> RelaySocketState {
            _read {
                switch side {
                case .downstream: yield downstream
                case .upstream: yield upstream
                }
            }
            _modify {
                switch side {
                case .downstream: yield &downstream
                case .upstream: yield &upstream
                }
            }
        }

        /// The bytes kept for `side`, read and changed in place (no copy, so no retain of the buffer, per access).
        private subscript(toward side: RelaySide) -> RelayPendingBytes {
            _read {
                switch side {
                case .upstream: yield towardUpstream
                case .downstream: yield towardDownstream
                }
            }
            _modify {
                switch side {
                case .upstream: yield &towardUpstream
                case .downstream: yield &towardDownstream
                }
            }
        }

        private func update(_ side: RelaySide, _ body: (inout RelaySocketState) -> Void) {
            body(&self[side])
        }

        private func updatePending(toward side: RelaySide, _ body: (inout RelayPendingBytes) -> Void) {
            body(&self[toward: side])
        }
    }

    @available(*, unavailable)
    extension RelayConnection: Sendable {}
#endif
