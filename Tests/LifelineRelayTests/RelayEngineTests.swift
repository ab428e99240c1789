#if os(Linux)
    import Dispatch
    import Foundation
    import Glibc
    import LifelineRelay
    import Synchronization
    import LifelineSocket
    import Testing

    /// The relay end to end on loopback: a client connects to a listening socket the relay accepts on, the relay
    /// dials a test upstream, and the test looks at what each end sees and what the relay reported.
    ///
    /// One test at a time: the tests read and accept with blocking calls on the cooperative pool's threads (two on a
    /// 2-core machine), and several side by side left other suites' tasks waiting for seconds.
    @Suite("RelayEngine", .serialized)
    struct RelayEngineTests {
        /// One relayed connection's ends: the client, the upstream's accepted socket, and the observer.
        struct Relayed {
            let engine: RelayEngine
            let client: LoopbackSocket
            let server: LoopbackSocket
            let observer: RecordingObserver
        }

        /// Starts a one-loop engine accepting on a fresh listening socket, each connection relayed with `settings`
        /// to a fresh upstream listener.
        static func relay(
            bufferLimitBytes: Int = 1024 * 1024,
            idleTimeout: Duration? = nil,
            upstreamPort: Int? = nil,
            splices: Bool = true,
            connectTimeout: Duration = .seconds(5)
        ) throws -> (engine: RelayEngine, port: Int, upstream: Int32?, observer: RecordingObserver) {
            let engine = try RelayEngine(loopCount: 1, splices: splices)
            let upstream = upstreamPort == nil ? try LoopbackSocket.listen() : nil
            let settings = RelaySettings(
                upstream: IPEndpoint(host: "127.0.0.1", port: upstreamPort ?? upstream!.port)!,
                bufferLimitBytes: bufferLimitBytes,
                idleTimeout: idleTimeout,
                connectTimeout: connectTimeout
            )
            let listening = try LoopbackSocket.listen()
            let observer = RecordingObserver()
            let loop = engine.next()
            loop.execute {
                try? loop.listen(fd: listening.fd) { accepted in
                    loop.relay(downstream: accepted, settings: settings, observer: observer)
                }
            }
            return (engine, listening.port, upstream?.fd, observer)
        }

        static func connected(
            bufferLimitBytes: Int = 1024 * 1024,
            idleTimeout: Duration? = nil,
            splices: Bool = true
        ) async throws -> Relayed {
            let (engine, port, upstream, observer) = try relay(
                bufferLimitBytes: bufferLimitBytes,
                idleTimeout: idleTimeout,
                splices: splices
            )
            let client = try LoopbackSocket.connect(port: port)
            let server = try LoopbackSocket.accept(upstream!)
            Glibc.close(upstream!)
            #expect(await observer.wait { $0.connected })
            return Relayed(engine: engine, client: client, server: server, observer: observer)
        }

        @Test("bytes pass both ways and a FIN is passed on each way, the other direction going on")
        func halfCloseBothWays() async throws {
            let relayed = try await Self.connected()
            defer { relayed.engine.shutdown() }
            relayed.client.send("hello")
            #expect(relayed.server.receiveText(count: 5) == "hello")
            relayed.server.send("world")
            #expect(relayed.client.receiveText(count: 5) == "world")

            relayed.client.shutdownOutput()
            #expect(relayed.server.readEnd().result == 0)
            // The upstream still talks after the client's FIN.
            relayed.server.send("after")
            #expect(relayed.client.receiveText(count: 5) == "after")
            relayed.server.shutdownOutput()
            #expect(relayed.client.readEnd().result == 0)

            #expect(await relayed.observer.wait { $0.finished })
            let record = relayed.observer.snapshot
            #expect(record.bytesRead[.downstream] == 5)
            #expect(record.bytesRead[.upstream] == 10)
            #expect(record.closed[.downstream]?.sawEndOfInput == true)
            #expect(record.closed[.upstream]?.sawEndOfInput == true)
            #expect(record.closed[.downstream]?.errorNumber == nil)
            relayed.client.close()
            relayed.server.close()
        }

        @Test("bytes and the FIN right behind them both pass: a short read does not end reading before a reported FIN")
        func bytesThenFinTogether() async throws {
            // An upstream whose accept queue is full: the relay's SYN is dropped and its connect completes only with
            // the retransmission a second later, so the bytes and the FIN wait in the relay's socket together and the
            // first read after the connect is short with the FIN already reported.
            let upstream = try LoopbackSocket.listen(backlog: 0)
            let filler = try LoopbackSocket.connect(port: upstream.port)
            // Time for the SYN's retransmissions (1, 3, 7, 15 s) on a loaded machine.
            let (engine, port, _, observer) = try Self.relay(upstreamPort: upstream.port, connectTimeout: .seconds(30))
            defer { engine.shutdown() }
            let client = try LoopbackSocket.connect(port: port)
            client.send("abc")
            client.shutdownOutput()
            // Blocking, not awaiting: a task resumed late on a busy pool could let the relay's connect time out.
            usleep(300_000)
            let queued = try LoopbackSocket.accept(upstream.fd)
            let server = try LoopbackSocket.accept(upstream.fd, seconds: 25)
            Glibc.close(upstream.fd)
            #expect(server.receiveText(count: 3) == "abc")
            #expect(server.readEnd().result == 0)
            server.shutdownOutput()
            #expect(client.readEnd().result == 0)
            #expect(await observer.wait { $0.finished })
            #expect(observer.snapshot.closed[.downstream]?.sawEndOfInput == true)
            for socket in [client, server, filler, queued] { socket.close() }
        }

        @Test("an upstream reset closes the downstream, the reset counted on the upstream")
        func upstreamReset() async throws {
            let relayed = try await Self.connected()
            defer { relayed.engine.shutdown() }
            relayed.client.send("x")
            #expect(relayed.server.receiveText(count: 1) == "x")
            relayed.server.reset()
            // Reset in turn, not given a FIN that would look like a clean end.
            let end = relayed.client.readEnd()
            #expect(end.result == -1 && end.errno == ECONNRESET)
            #expect(await relayed.observer.wait { $0.finished })
            let record = relayed.observer.snapshot
            #expect(record.closed[.upstream]?.errorNumber == ECONNRESET)
            #expect(record.closed[.downstream]?.errorNumber == nil)
            #expect(record.closed[.downstream]?.closeRequested == true)
            relayed.client.close()
        }

        @Test("a refused upstream closes the downstream and is reported as a connect failure")
        func connectRefused() async throws {
            // A port with nothing listening: bind one, learn it, close it.
            let unused = try LoopbackSocket.listen()
            Glibc.close(unused.fd)
            let (engine, port, _, observer) = try Self.relay(upstreamPort: unused.port)
            defer { engine.shutdown() }
            let client = try LoopbackSocket.connect(port: port)
            #expect(client.readEnd().result == 0)
            #expect(await observer.wait { $0.finished })
            let record = observer.snapshot
            #expect(record.connectFailure?.errorNumber == ECONNREFUSED)
            #expect(record.connectFailure?.timedOut == false)
            #expect(record.closed[.upstream] == nil)
            #expect(record.closed[.downstream]?.closeRequested == true)
            client.close()
        }

        @Test("a reader that stops makes the relay stop reading, and every byte arrives once it reads again")
        func backpressure() async throws {
            let relayed = try await Self.connected(bufferLimitBytes: 4096)
            defer { relayed.engine.shutdown() }
            let flags = fcntl(relayed.client.fd, F_GETFL)
            _ = fcntl(relayed.client.fd, F_SETFL, flags | O_NONBLOCK)
            // Far more than the kernel's buffers hold: the client's sends stop once the relay stops reading.
            let chunk = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var sent: [UInt8] = []
            // Generous for a loaded machine; on an idle one the client blocks within a few rounds of the kernel's buffers.
            let deadline = ContinuousClock.now + .seconds(30)
            var blockedRounds = 0
            while blockedRounds < 20, ContinuousClock.now < deadline, sent.count < 64 * 1024 * 1024 {
                let count = relayed.client.send(chunk)
                if count > 0 {
                    sent.append(contentsOf: chunk[..<count])
                    blockedRounds = 0
                } else {
                    blockedRounds += 1
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            #expect(blockedRounds >= 20, "the client never blocked: the relay kept reading")
            #expect(relayed.observer.snapshot.pauses[.downstream, default: 0] > 0)
            relayed.client.shutdownOutput()
            let received = relayed.server.receive(count: sent.count)
            #expect(received.count == sent.count)
            #expect(received == sent)
            #expect(relayed.server.readEnd().result == 0)
            relayed.client.close()
            relayed.server.close()
        }

        @Test("idle_timeout closes both sides after the quiet time, not before")
        func idleTimeout() async throws {
            let (engine, port, upstream, observer) = try Self.relay(idleTimeout: .seconds(3))
            defer { engine.shutdown() }
            // The idle clock starts when the relay accepts. The first bytes go at once, with no await between the
            // connect and the send: a task resumed late on a cooperative pool that other tests keep busy (the whole
            // suite runs side by side) would otherwise send after the timeout and find the connection closed.
            let client = try LoopbackSocket.connect(port: port)
            client.send("ping")
            let server = try LoopbackSocket.accept(upstream!)
            Glibc.close(upstream!)
            let relayed = Relayed(engine: engine, client: client, server: server, observer: observer)
            #expect(relayed.server.receiveText(count: 4) == "ping")
            let lastByte = ContinuousClock.now
            #expect(relayed.client.readEnd().result == 0)
            #expect(relayed.server.readEnd().result == 0)
            let quiet = ContinuousClock.now - lastByte
            #expect(quiet >= .milliseconds(2900))
            #expect(await relayed.observer.wait { $0.finished })
            let record = relayed.observer.snapshot
            #expect(record.idleTimedOut)
            #expect(record.closed[.downstream]?.idleTimedOut == true)
            #expect(record.closed[.upstream]?.idleTimedOut == true)
            relayed.client.close()
            relayed.server.close()
        }

        /// Sends all of `bytes` on `socket` from a thread of its own (the relay moves them while the test reads;
        /// the cooperative pool's few threads may all be blocked reading) and returns a wait for the count sent.
        static func sendInBackground(_ bytes: [UInt8], on socket: LoopbackSocket) -> @Sendable () -> Int {
            let sent = Mutex(0)
            let done = DispatchSemaphore(value: 0)
            Thread {
                var total = 0
                while total < bytes.count {
                    let count = socket.send(Array(bytes[total..<min(bytes.count, total + 256 * 1024)]))
                    guard count > 0 else { break }
                    total += count
                }
                sent.withLock { $0 = total }
                done.signal()
            }.start()
            return {
                done.wait()
                return sent.withLock { $0 }
            }
        }

        /// Where `received` first differs from `sent` (or where it ends short), as text; nil when they are equal.
        /// (Comparing megabytes with `#expect(a == b)` would make a failure report diff them element by element.)
        static func firstDifference(_ received: [UInt8], _ sent: [UInt8]) -> String? {
            let common = min(received.count, sent.count)
            let same = received.withUnsafeBytes { a in
                sent.withUnsafeBytes { b in common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common) }
            }
            if same != 0, let index = (0..<common).first(where: { received[$0] != sent[$0] }) {
                return "byte \(index) differs (of \(received.count) received, \(sent.count) sent)"
            }
            return received.count == sent.count ? nil : "\(received.count) bytes received of \(sent.count) sent"
        }

        /// Runs `body` (a blocking socket call) on a thread of its own, so that the cooperative pool's few threads
        /// stay free for the tests running meanwhile.
        static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { done in Thread { done.resume(returning: body()) }.start() }
        }

        /// `count` bytes of a pattern that does not repeat within a pipe's or a buffer's size.
        static func pattern(_ count: Int, seed: Int) -> [UInt8] {
            [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: index &* seed &+ index >> 13) }
                initialized = count
            }
        }

        static func pipesLent(_ loop: RelayEventLoop) async -> Int {
            await withCheckedContinuation { done in loop.execute { done.resume(returning: loop.pipesLent) } }
        }

        @Test(
            "a bulk stream each way arrives whole and in order, spliced through a pipe or read and written",
            arguments: [true, false]
        )
        func bulkBothWays(splices: Bool) async throws {
            let relayed = try await Self.connected(splices: splices)
            defer { relayed.engine.shutdown() }
            let size = 4 * 1024 * 1024
            let up = Self.pattern(size, seed: 7)
            let down = Self.pattern(size, seed: 13)

            let sendingUp = Self.sendInBackground(up, on: relayed.client)
            let receivedUp = await Self.onThread { relayed.server.receive(count: size) }
            #expect(await Self.onThread(sendingUp) == size)
            #expect(Self.firstDifference(receivedUp, up) == nil)
            let sendingDown = Self.sendInBackground(down, on: relayed.server)
            let receivedDown = await Self.onThread { relayed.client.receive(count: size) }
            #expect(await Self.onThread(sendingDown) == size)
            #expect(Self.firstDifference(receivedDown, down) == nil)

            // The FIN comes after the last spliced byte.
            relayed.client.shutdownOutput()
            #expect(relayed.server.readEnd().result == 0)
            relayed.server.shutdownOutput()
            #expect(relayed.client.readEnd().result == 0)
            #expect(await relayed.observer.wait { $0.finished })
            let record = relayed.observer.snapshot
            #expect(record.bytesRead[.downstream] == size)
            #expect(record.bytesRead[.upstream] == size)
            let loop = relayed.engine.loops[0]
            let lent = await Self.pipesLent(loop)
            #expect(splices ? lent > 0 : lent == 0)
            // With its last connection closed, the loop keeps no pipe (and no descriptor) for later.
            let spare = await withCheckedContinuation { done in
                loop.execute { done.resume(returning: loop.sparePipeCount) }
            }
            #expect(spare == 0)
            relayed.client.close()
            relayed.server.close()
        }

        @Test("a spliced direction whose reader stops holds its bytes in the pipe and stops reading; all arrive later")
        func splicedBackpressure() async throws {
            let relayed = try await Self.connected(bufferLimitBytes: 256 * 1024)
            defer { relayed.engine.shutdown() }
            // More than the upstream's kernel buffers and the limit hold together.
            let size = 24 * 1024 * 1024
            let bytes = Self.pattern(size, seed: 31)
            let sending = Self.sendInBackground(bytes, on: relayed.client)
            // The upstream reads nothing for a while: the relay must stop reading, not buffer without bound.
            #expect(await relayed.observer.wait { $0.pauses[.downstream, default: 0] > 0 })
            let received = await Self.onThread { relayed.server.receive(count: size) }
            #expect(await Self.onThread(sending) == size)
            #expect(Self.firstDifference(received, bytes) == nil)
            #expect(await Self.pipesLent(relayed.engine.loops[0]) > 0)
            relayed.client.close()
            relayed.server.close()
        }

        @Test("closing all of a loop's connections closes both sides, counted as the relay's close")
        func closeAll() async throws {
            let relayed = try await Self.connected()
            let loop = relayed.engine.loops[0]
            loop.execute { loop.closeAll() }
            #expect(relayed.client.readEnd().result == 0)
            #expect(relayed.server.readEnd().result == 0)
            #expect(await relayed.observer.wait { $0.finished })
            #expect(relayed.observer.snapshot.closed[.downstream]?.closeRequested == true)
            #expect(relayed.observer.snapshot.closed[.downstream]?.sawEndOfInput == false)
            relayed.engine.shutdown()
            relayed.client.close()
            relayed.server.close()
        }
    }
#endif
