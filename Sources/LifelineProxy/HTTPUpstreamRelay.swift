import NIOCore
import NIOHTTP1

/// The handler at the end of an upstream exchange's pipeline: hands the response parts to the stream, tells it when
/// the exchange fails, and holds upstream reads while the downstream cannot take more (the other half of the
/// backpressure ``HTTPStreamHandler`` keeps).
final class HTTPUpstreamRelay: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Nil once detached (the exchange finished or was given up): nothing more is passed on.
    private var stream: HTTPActiveStream?
    private var context: ChannelHandlerContext?
    private var readPending = false

    init(stream: HTTPActiveStream) {
        self.stream = stream
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if !context.channel.isActive {
            // Closed before the relay arrived: the exchange failed before it could be used.
            context.eventLoop.assumeIsolated().execute { self.stream?.upstreamFailed(reason: .reset) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Stops passing anything on; the stream is done with the exchange.
    func detach() {
        stream = nil
        resumeUpstreamReads()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        stream?.upstreamResponse(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        stream?.handler?.flushDownstream()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream?.upstreamFailed(reason: .reset)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A broken response or a reset: the exchange cannot go on; a stream the upstream refused unprocessed may be
        // sent again.
        stream?.upstreamFailed(reason: HTTPUpstreamFailure.isRefusedStream(error) ? .refused : .reset)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stream?.handler?.resumeDownstreamReads()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let stream, stream.handler?.downstreamWritable == false {
            readPending = true
            return
        }
        context.read()
    }

    /// The downstream can take more again.
    func resumeUpstreamReads() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }
}

@available(*, unavailable)
extension HTTPUpstreamRelay: Sendable {}
