import Glibc
import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// Bytes through a real gateway on loopback: exact, in order, half-closes passed through, and bounded buffering.
    @Suite struct TCPProxyTransferTests {
        @Test(arguments: L4Engine.allCases) func hundredMegabytesEachWayArriveByteExact(engine: L4Engine) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstreamReceived = Counter()
            let upstreamMismatches = Counter()
            let upstream = try await TestUpstream.start(group: group) {
                EchoHandler(verifyingInto: upstreamReceived, mismatches: upstreamMismatches)
            }
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: [upstream.port]),
                group: group,
                engine: engine
            )
            let total = 100 * 1024 * 1024
            let client = try await connectClient(port: harness.port, group: group)

            let (received, mismatches, ended) = try await withDeadline(seconds: 300) {
                try await client.executeThenClose { inbound, outbound in
                    try await withThrowingTaskGroup(of: (Int, Int, Bool).self) { tasks in
                        tasks.addTask {
                            var offset = 0
                            while offset < total {
                                let size = min(256 * 1024, total - offset)
                                try await outbound.write(Pattern.bytes(at: offset, count: size))
                                offset += size
                            }
                            outbound.finish()
                            return (0, 0, false)
                        }
                        tasks.addTask {
                            var received = 0
                            var mismatches = 0
                            for try await chunk in inbound {
                                if !Pattern.matches(chunk, at: received) { mismatches += 1 }
                                received += chunk.readableBytes
                            }
                            return (received, mismatches, true)
                        }
                        var result = (0, 0, false)
                        for try await outcome in tasks where outcome.2 {
                            result = outcome
                        }
                        return result
                    }
                }
            }

            #expect(ended)
            #expect(received == total)
            #expect(mismatches == 0)
            #expect(upstreamReceived.current == total)
            #expect(upstreamMismatches.current == 0)
            #expect(harness.listener.stats[.downstreamBytesReceived] == total)
            #expect(harness.listener.stats[.downstreamBytesSent] == total)
            #expect(await eventually { harness.listener.activeConnections == 0 })
            await harness.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
        }

        @Test(arguments: L4Engine.allCases) func downstreamHalfCloseReachesUpstreamWhichStillAnswers(engine: L4Engine)
            async throws
        {
            try await withGateway(upstream: AnswerAfterEndOfInputHandler(), engine: engine) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                let (answer, ended) = try await withDeadline(seconds: 30) {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(string: "request"))
                        outbound.finish()
                        return await readAll(inbound)
                    }
                }
                #expect(ended)
                #expect(String(buffer: answer) == "got 7 bytes: request")
                #expect(await eventually { harness.listener.activeConnections == 0 })
                // Both peers ended with a FIN: each close is counted as the remote's.
                #expect(harness.listener.stats[.downstreamClosedByRemote] == 1)
                #expect(await eventually { harness.cluster.stats[.upstreamClosedByRemote] == 1 })
                #expect(harness.listener.stats[.downstreamClosedLocally] == 0)
            }
        }

        @Test(arguments: L4Engine.allCases) func upstreamHalfCloseReachesClientWhichStillSends(engine: L4Engine)
            async throws
        {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let log = Box<[String]>([])
            let upstream = try await TestUpstream.start(group: group) { GreetThenHalfCloseHandler(log: log) }
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: [upstream.port]),
                group: group,
                engine: engine
            )
            let client = try await connectClient(port: harness.port, group: group)
            let greeting = try await withDeadline(seconds: 30) {
                try await client.executeThenClose { inbound, outbound in
                    // The upstream's end of output arrives as the end of the client's inbound stream ...
                    let (greeting, ended) = await readAll(inbound)
                    #expect(ended)
                    // ... and the client's direction still works afterwards.
                    try await outbound.write(ByteBuffer(string: "late data"))
                    outbound.finish()
                    return String(buffer: greeting)
                }
            }
            #expect(greeting == "hello")
            #expect(await eventually { log.value.last == "<end of input>" })
            #expect(log.value.joined() == "late data<end of input>")
            #expect(await eventually { harness.listener.activeConnections == 0 })
            await harness.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
        }

        /// The client uploads, ends its output and closes while the upstream reads nothing yet, so the upload waits in
        /// the gateway's queue for the upstream. The upstream then ends its own output (it has nothing to say), which
        /// closes the downstream — both of its directions have ended — before the upstream has read the upload. Every
        /// byte still reaches the upstream, and only then its end.
        @Test(arguments: L4Engine.allCases) func anUploadEndedWhileStillQueuedForASlowUpstreamArrivesWholeBeforeItsEnd(
            engine: L4Engine
        ) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstreamChannel = Box<(any Channel)?>(nil)
            let received = Counter()
            let mismatches = Counter()
            let ended = Counter()
            let failed = Counter()
            let upstream = try await TestUpstream.start(group: group) {
                WithheldSinkHandler(
                    channel: upstreamChannel,
                    received: received,
                    mismatches: mismatches,
                    ended: ended,
                    failed: failed
                )
            }
            // A queue for the upstream larger than the upload: the gateway reads all of it, and the client's FIN,
            // while the upstream reads nothing.
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(
                    upstreamPorts: [upstream.port],
                    clusterExtra: "    per_connection_buffer_limit_bytes: 67108864"
                ),
                group: group,
                engine: engine
            )
            let total = 16 * 1024 * 1024
            let client = connectLoopback(port: harness.port)
            #expect(client >= 0)
            let sent = try await withDeadline(seconds: 60) {
                await Task.detached {
                    var offset = 0
                    while offset < total {
                        let chunk = Pattern.bytes(at: offset, count: min(1 << 20, total - offset))
                        let count = chunk.withUnsafeReadableBytes { write(client, $0.baseAddress, $0.count) }
                        guard count > 0 else { break }
                        offset += count
                    }
                    shutdown(client, Int32(SHUT_WR))
                    close(client)
                    return offset
                }.value
            }
            #expect(sent == total)
            #expect(await eventually { harness.listener.stats[.downstreamBytesReceived] == total })
            // The FIN follows the last byte; give the gateway a moment to read it.
            try await Task.sleep(for: .milliseconds(200))
            let channel = try #require(upstreamChannel.value)
            try await channel.eventLoop.submit { channel.close(mode: .output, promise: nil) }.get()
            #expect(await eventually { harness.listener.stats[.downstreamConnectionsDestroyed] == 1 })
            #expect(received.current < total, "the upstream read nothing yet, so the upload is still queued")

            try await channel.eventLoop.submit {
                try channel.syncOptions?.setOption(.autoRead, value: true)
                channel.read()
            }.get()
            #expect(await eventually(seconds: 60) { ended.current == 1 })
            #expect(received.current == total)
            #expect(mismatches.current == 0)
            #expect(failed.current == 0)
            #expect(await eventually { harness.listener.activeConnections == 0 })
            await harness.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
        }

        @Test(arguments: L4Engine.allCases) func bytesSentBeforeTheUpstreamConnectsAreHeldNotLost(engine: L4Engine)
            async throws
        {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let raw = RawListener()
            raw.fillAcceptQueue()
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: [raw.port], connectTimeout: "10s"),
                group: group,
                engine: engine
            )
            let client = try await connectClient(port: harness.port, group: group)
            // The gateway's SYN to the upstream is being dropped: the upstream connect is still pending while the client
            // sends everything and half-closes.
            try await client.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "early bytes"))
                outbound.finish()
                #expect(harness.cluster.stats[.upstreamConnectionsActive] == 0)

                let received = try await withDeadline(seconds: 30) {
                    // Free the accept queue; the gateway's SYN retransmission then completes the connect.
                    let filler = raw.accept()
                    close(filler)
                    let connection = raw.accept()
                    defer { close(connection) }
                    return RawListener.readToEnd(connection)
                }
                #expect(String(decoding: received, as: UTF8.self) == "early bytes")
                // The upstream closed without a word: so does the client's connection.
                let (answer, ended) = await readAll(inbound)
                #expect(ended)
                #expect(answer.readableBytes == 0)
            }
            await harness.stop()
            try await group.shutdownGracefully()
        }

        @Test(arguments: L4Engine.allCases) func aClientThatStopsReadingDoesNotMakeTheGatewayBufferWithoutBound(
            engine: L4Engine
        ) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let total = 256 * 1024 * 1024
            let written = Counter()
            let upstream = try await TestUpstream.start(group: group) { FloodHandler(total: total, written: written) }
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(
                    upstreamPorts: [upstream.port],
                    listenerExtra: "    per_connection_buffer_limit_bytes: 262144",
                    clusterExtra: "    per_connection_buffer_limit_bytes: 262144"
                ),
                group: group,
                engine: engine
            )
            // A raw client socket with a small receive buffer that reads nothing for now.
            let client = connectLoopback(port: harness.port, receiveBuffer: 65536)
            #expect(client >= 0)

            // Wait until the upstream cannot write any more: the whole path is full.
            var last = -1
            var stable = 0
            while stable < 10 {
                try await Task.sleep(for: .milliseconds(100))
                let now = written.current
                stable = now == last ? stable + 1 : 0
                last = now
            }
            // Kernel socket buffers on loopback autotune to a few MB each (tcp_rmem/tcp_wmem maxima); the gateway's own
            // share is its 256 KiB high-water mark per direction. Without backpressure the whole 256 MiB would be taken.
            #expect(last < 48 * 1024 * 1024, "upstream wrote \(last) bytes into a client that reads nothing")
            #expect(harness.cluster.stats[.upstreamFlowControlPaused] >= 1)

            // Now read everything: nothing was lost while reading was held.
            let (count, mismatch) = try await withDeadline(seconds: 300) {
                await Task.detached {
                    var count = 0
                    var mismatch = false
                    var chunk = [UInt8](repeating: 0, count: 1 << 20)
                    while true {
                        let n = read(client, &chunk, chunk.count)
                        guard n > 0 else { break }
                        if !mismatch {
                            var buffer = ByteBuffer()
                            buffer.writeBytes(chunk[0..<n])
                            mismatch = !Pattern.matches(buffer, at: count)
                        }
                        count += n
                    }
                    close(client)
                    return (count, mismatch)
                }.value
            }
            #expect(count == total)
            #expect(!mismatch)
            await harness.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
        }
    }
}
