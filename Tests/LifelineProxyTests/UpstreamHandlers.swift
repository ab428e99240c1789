import NIOCore

/// Collects everything the peer sends; on end of input answers `got <n> bytes: <text>` and closes.
final class AnswerAfterEndOfInputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var received = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received.writeBuffer(&buffer)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event else { return }
        let text = String(buffer: received)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "got \(text.utf8.count) bytes: \(text)")))
            .assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
    }
}

/// Greets, then shuts its output at once; records what the peer sends afterwards and whether the peer ended.
final class GreetThenHalfCloseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let log: Box<[String]>

    init(log: Box<[String]>) {
        self.log = log
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "hello")), promise: nil)
        context.close(mode: .output, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data))
        log.update { $0.append(text) }
    }

    /// With its output already shut, NIO closes the channel when input ends instead of reporting input closed.
    func channelInactive(context: ChannelHandlerContext) {
        log.update { $0.append("<end of input>") }
    }
}

/// Writes `total` bytes of ``Pattern`` as fast as the connection takes them, counting what the kernel accepted.
final class FloodHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let total: Int
    private let written: Counter
    private var queued = 0
    private let chunk = 64 * 1024

    init(total: Int, written: Counter) {
        self.total = total
        self.written = written
    }

    func channelActive(context: ChannelHandlerContext) {
        pump(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pump(context: context)
    }

    private func pump(context: ChannelHandlerContext) {
        while context.channel.isWritable && queued < total {
            let size = min(chunk, total - queued)
            let buffer = Pattern.bytes(at: queued, count: size)
            queued += size
            let written = self.written
            context.write(wrapOutboundOut(buffer)).whenSuccess { written.add(size) }
        }
        context.flush()
        if queued == total {
            context.close(mode: .output, promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Accepts and never says anything.
final class SilentHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
}

/// Sends a fixed tag and keeps the connection open.
final class TagHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let tag: String

    init(tag: String) {
        self.tag = tag
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: tag)), promise: nil)
        context.close(mode: .output, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
    }
}

/// Reads nothing until the test turns reading on, then takes every byte, checking it against ``Pattern``. Its channel
/// is handed to the test, which decides when it ends its output and starts reading.
final class WithheldSinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let channel: Box<(any Channel)?>
    private let received: Counter
    private let mismatches: Counter
    /// Counts a clean end (FIN, or the close NIO makes of it once the output was shut) and failures apart.
    private let ended: Counter
    private let failed: Counter

    init(channel: Box<(any Channel)?>, received: Counter, mismatches: Counter, ended: Counter, failed: Counter) {
        self.channel = channel
        self.received = received
        self.mismatches = mismatches
        self.ended = ended
        self.failed = failed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // A small fixed receive buffer (no autotuning), so what the upstream has not read waits in the gateway.
        try? context.channel.syncOptions?.setOption(.socketOption(.so_rcvbuf), value: 65536)
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        let channel = context.channel
        self.channel.update { $0 = channel }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if !Pattern.matches(buffer, at: received.current) { mismatches.add(1) }
        received.add(buffer.readableBytes)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            ended.add(1)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if ended.current == 0 && failed.current == 0 {
            ended.add(1)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed.add(1)
        context.close(promise: nil)
    }
}
