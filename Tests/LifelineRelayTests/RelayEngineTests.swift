#if os(Linux)
    import Glibc
    import LifelineRelay
    import LifelineSocket
    import Testing

    /// The relay end to end on loopback: a client connects to a listening socket the relay accepts on, the relay
    /// dials a test upstream, and the test looks at what each end sees and what the relay reported.
    @Suite("RelayEngine")
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
            upstreamPort: Int? = nil
        ) throws -> (engine: RelayEngine, port: Int, upstream: Int32?, observer: RecordingObserver) {
            let engine = try RelayEngine(loopCount: 1)
            let upstream = upstreamPort == nil ? try LoopbackSocket.listen() : nil
            let settings = RelaySettings(
                upstream: IPEndpoint(host: "127.0.0.1", port: upstreamPort ?? upstream!.port)!,
                bufferLimitBytes: bufferLimitBytes,
                idleTimeout: idleTimeout
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

        static func connected(bufferLimitBytes: Int = 1024 * 1024, idleTimeout: Duration? = nil) async throws
            -> Relayed
        {
            let (engine, port, upstream, observer) = try relay(
                bufferLimitBytes: bufferLimitBytes,
                idleTimeout: idleTimeout
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

        @Test("an upstream reset closes the downstream, the reset counted on the upstream")
        func upstreamReset() async throws {
            let relayed = try await Self.connected()
            defer { relayed.engine.shutdown() }
            relayed.client.send("x")
            #expect(relayed.server.receiveText(count: 1) == "x")
            relayed.server.reset()
            let end = relayed.client.readEnd()
            #expect(end.result == 0 || end.errno == ECONNRESET)
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
            // Long enough that a loaded machine sets the connection up and sends the first bytes well within it.
            let relayed = try await Self.connected(idleTimeout: .seconds(1))
            defer { relayed.engine.shutdown() }
            relayed.client.send("ping")
            #expect(relayed.server.receiveText(count: 4) == "ping")
            let lastByte = ContinuousClock.now
            #expect(relayed.client.readEnd().result == 0)
            #expect(relayed.server.readEnd().result == 0)
            let quiet = ContinuousClock.now - lastByte
            #expect(quiet >= .milliseconds(900))
            #expect(await relayed.observer.wait { $0.finished })
            let record = relayed.observer.snapshot
            #expect(record.idleTimedOut)
            #expect(record.closed[.downstream]?.idleTimedOut == true)
            #expect(record.closed[.upstream]?.idleTimedOut == true)
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
