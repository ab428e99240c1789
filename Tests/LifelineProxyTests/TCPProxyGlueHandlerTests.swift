import NIOCore
import NIOEmbedded
import Testing

@testable import LifelineProxy

/// The glue pair on embedded channels: what happens before the upstream exists, and in which order.
@Suite struct TCPProxyGlueHandlerTests {
    /// Records outbound half-closes, which an embedded channel itself does not support.
    final class CloseRecorder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var modes: [CloseMode] = []

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            modes.append(mode)
            if mode == .all {
                context.close(mode: mode, promise: promise)
            } else {
                promise?.succeed(())
            }
        }
    }

    /// Keeps every write's promise until released, as a channel does while its peer reads nothing.
    final class WriteHolder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var written: [ByteBuffer] = []
        private var promises: [EventLoopPromise<Void>] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            written.append(unwrapOutboundIn(data))
            if let promise {
                promises.append(promise)
            }
        }

        func flush(context: ChannelHandlerContext) {}

        func release() {
            let promises = self.promises
            self.promises = []
            for promise in promises {
                promise.succeed(())
            }
        }
    }

    private func pair() -> (TCPProxyGlueHandler, TCPProxyGlueHandler) {
        let downstream = TCPProxyGlueHandler(side: .downstream)
        let upstream = TCPProxyGlueHandler(side: .upstream)
        downstream.partner = upstream
        upstream.partner = downstream
        return (downstream, upstream)
    }

    @Test func bytesAndEndOfInputBeforeTheUpstreamConnectsAreDeliveredInOrderOnConnect() throws {
        let (downstreamHandler, upstreamHandler) = pair()
        let downstream = EmbeddedChannel(handler: downstreamHandler)
        try downstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try downstream.writeInbound(ByteBuffer(string: "early "))
        try downstream.writeInbound(ByteBuffer(string: "bytes"))
        downstream.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try downstream.readInbound(as: ByteBuffer.self) == nil)

        let recorder = CloseRecorder()
        let upstream = EmbeddedChannel()
        try upstream.pipeline.syncOperations.addHandler(recorder)
        try upstream.pipeline.syncOperations.addHandler(upstreamHandler)
        #expect(try upstream.readOutbound(as: ByteBuffer.self) == nil)
        try upstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()

        #expect(try upstream.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "early "))
        #expect(try upstream.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "bytes"))
        // The empty write that orders the shutdown after the last byte.
        #expect(try upstream.readOutbound(as: ByteBuffer.self) == ByteBuffer())
        #expect(recorder.modes == [.output])
        _ = try downstream.finish(acceptAlreadyClosed: true)
        _ = try upstream.finish(acceptAlreadyClosed: true)
    }

    @Test func readsAreHeldUntilTheUpstreamConnectsAndWhileItIsNotWritable() throws {
        final class ReadCounter: ChannelOutboundHandler {
            typealias OutboundIn = ByteBuffer
            var reads = 0
            func read(context: ChannelHandlerContext) {
                reads += 1
                context.read()
            }
        }
        let (downstreamHandler, upstreamHandler) = pair()
        let counter = ReadCounter()
        let downstream = EmbeddedChannel()
        try downstream.pipeline.syncOperations.addHandler(counter)
        try downstream.pipeline.syncOperations.addHandler(downstreamHandler)
        try downstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        downstream.read()
        #expect(counter.reads == 0)

        let upstream = EmbeddedChannel(handler: upstreamHandler)
        try upstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        // The held read is released on connect.
        #expect(counter.reads == 1)

        // A channel announces every change of its writability, as NIO's do.
        upstream.isWritable = false
        upstream.pipeline.fireChannelWritabilityChanged()
        downstream.read()
        #expect(counter.reads == 1)
        upstream.isWritable = true
        upstream.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2)
        _ = try downstream.finish(acceptAlreadyClosed: true)
        _ = try upstream.finish(acceptAlreadyClosed: true)
    }

    @Test func aCleanDownstreamCloseWhileTheUpstreamsShutdownWaitsForQueuedBytesClosesItOnlyAfterThem() throws {
        let (downstreamHandler, upstreamHandler) = pair()
        let downstream = EmbeddedChannel(handler: downstreamHandler)
        let recorder = CloseRecorder()
        let holder = WriteHolder()
        let upstream = EmbeddedChannel()
        try upstream.pipeline.syncOperations.addHandler(recorder)
        try upstream.pipeline.syncOperations.addHandler(holder)
        try upstream.pipeline.syncOperations.addHandler(upstreamHandler)
        try downstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try upstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()

        // The client's upload and FIN; the upstream takes none of it yet.
        try downstream.writeInbound(ByteBuffer(string: "upload"))
        downstream.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        // The downstream then closes cleanly (as NIO closes it once its output is shut too).
        try downstream.close().wait()
        #expect(recorder.modes.isEmpty)
        #expect(upstream.isActive)

        // The queued bytes are written: only now is the upstream closed, fully (its partner is gone).
        holder.release()
        #expect(holder.written == [ByteBuffer(string: "upload"), ByteBuffer()])
        #expect(recorder.modes == [.all])
        #expect(!upstream.isActive)
        _ = try downstream.finish(acceptAlreadyClosed: true)
        _ = try upstream.finish(acceptAlreadyClosed: true)
    }

    @Test func aResetOnOneSideClosesTheOtherAtOnce() throws {
        let (downstreamHandler, upstreamHandler) = pair()
        let downstream = EmbeddedChannel(handler: downstreamHandler)
        let upstream = EmbeddedChannel(handler: upstreamHandler)
        try downstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try upstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try downstream.writeInbound(ByteBuffer(string: "x"))
        downstream.pipeline.fireErrorCaught(IOError(errnoCode: 104, reason: "read"))
        #expect(!downstream.isActive)
        #expect(!upstream.isActive)
        _ = try? downstream.finish(acceptAlreadyClosed: true)
        _ = try? upstream.finish(acceptAlreadyClosed: true)
    }
}
