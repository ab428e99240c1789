import LifelinePlan
import NIOCore
import NIOEmbedded
import Testing

@testable import LifelineProxy

/// The inspector on an embedded channel: what it reports, what it passes on, and when it gives up.
@Suite("TLS inspector handler")
struct TLSInspectorHandlerTests {
    /// What the handlers after the inspector saw.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var bytes: [UInt8] = []
        var events: [TLSInspection] = []
        var readCompletes = 0

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += Array(unwrapInboundIn(data).readableBytesView)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            readCompletes += 1
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let inspection = event as? TLSInspection { events.append(inspection) }
        }
    }

    /// What the callbacks said.
    final class Outcome {
        var inspected: [TLSInspection] = []
        var rejected: [TLSInspectorRejection] = []
    }

    struct Harness {
        let channel: EmbeddedChannel
        let recorder: Recorder
        let outcome: Outcome

        init(plan: ListenerFiltersPlan = ListenerFiltersPlan(tlsInspector: true), maximumBytes: Int? = nil) throws {
            let outcome = Outcome()
            let recorder = Recorder()
            let channel = EmbeddedChannel()
            let parser = maximumBytes.map { ClientHelloParser(maximumBytes: $0) } ?? ClientHelloParser()
            let handler = TLSInspectorHandler(
                plan: plan,
                parser: parser,
                onInspected: { outcome.inspected.append($0) },
                onRejected: { outcome.rejected.append($0) }
            )
            try channel.pipeline.syncOperations.addHandlers([handler, recorder])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
            self.channel = channel
            self.recorder = recorder
            self.outcome = outcome
        }

        func write(_ bytes: some Sequence<UInt8>) throws {
            try channel.writeInbound(ByteBuffer(bytes: Array(bytes)))
        }
    }

    @Test("a ClientHello in pieces is reported once and replayed whole, in order")
    func clientHelloInPieces() throws {
        let hello = try ClientHelloSamples.python(serverName: "Lifeline.Test", alpn: ["h2"])
        let harness = try Harness()
        for chunk in stride(from: 0, to: hello.count, by: 7) {
            #expect(harness.outcome.inspected.isEmpty)
            #expect(harness.recorder.bytes.isEmpty, "nothing passes before the decision")
            try harness.write(hello[chunk..<min(chunk + 7, hello.count)])
        }
        let expected = TLSInspection(transportProtocol: .tls, serverName: "lifeline.test", alpn: ["h2"])
        #expect(harness.outcome.inspected == [expected])
        #expect(harness.recorder.events == [expected])
        #expect(harness.recorder.bytes == hello)
        #expect(harness.recorder.readCompletes >= 1)
        // The inspector has left; later bytes flow straight through.
        #expect(throws: (any Error).self) {
            try harness.channel.pipeline.syncOperations.handler(type: TLSInspectorHandler.self)
        }
        try harness.write([23, 3, 3])
        #expect(harness.recorder.bytes == hello + [23, 3, 3])
        _ = try harness.channel.finish()
    }

    @Test("plaintext is raw_buffer at its first byte and passes untouched")
    func plaintext() throws {
        let harness = try Harness()
        try harness.write(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(harness.outcome.inspected == [.rawBuffer])
        #expect(harness.recorder.bytes == Array("GET / HTTP/1.1\r\n".utf8))
        _ = try harness.channel.finish()
    }

    @Test("a ClientHello over the limit closes the connection")
    func tooLarge() throws {
        let harness = try Harness(maximumBytes: 512)
        let message = ClientHelloSamples.message(extensions: [(21, [UInt8](repeating: 0, count: 2_000))])
        try harness.write(ClientHelloSamples.records(message).prefix(600))
        #expect(harness.outcome.rejected == [.clientHelloTooLarge])
        #expect(harness.recorder.bytes.isEmpty)
        #expect(!harness.channel.isActive)
    }

    @Test("the timeout closes the connection unless the listener continues on it")
    func timeoutCloses() throws {
        let harness = try Harness(plan: ListenerFiltersPlan(tlsInspector: true, timeout: .seconds(15)))
        try harness.write([22, 3, 1])
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(14))
        #expect(harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(harness.outcome.rejected == [.timeout])
        #expect(!harness.channel.isActive)
        #expect(harness.recorder.bytes.isEmpty)
    }

    @Test("on timeout with continue_on_listener_filters_timeout the connection goes on as raw_buffer")
    func timeoutContinues() throws {
        let plan = ListenerFiltersPlan(tlsInspector: true, timeout: .milliseconds(500), continueOnTimeout: true)
        let harness = try Harness(plan: plan)
        try harness.write([22, 3, 1, 0])
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
        #expect(harness.outcome.inspected == [TLSInspection(transportProtocol: .rawBuffer, timedOut: true)])
        #expect(harness.recorder.bytes == [22, 3, 1, 0])
        #expect(harness.channel.isActive)
        _ = try harness.channel.finish()
    }

    @Test("without a timeout the inspector waits")
    func noTimeout() throws {
        let harness = try Harness(plan: ListenerFiltersPlan(tlsInspector: true, timeout: nil))
        try harness.write([22])
        harness.channel.embeddedEventLoop.advanceTime(by: .hours(1))
        #expect(harness.channel.isActive)
        #expect(harness.outcome.inspected.isEmpty && harness.outcome.rejected.isEmpty)
        _ = try harness.channel.finish()
    }

    @Test("a client that leaves before a decision is reported as closed")
    func clientLeaves() throws {
        let harness = try Harness()
        try harness.write([22, 3, 1])
        harness.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(harness.outcome.rejected == [.connectionClosed])
        #expect(!harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        #expect(harness.outcome.rejected == [.connectionClosed], "the timer was cancelled")
    }
}
