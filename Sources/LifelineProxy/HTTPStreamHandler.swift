import LifelinePlan
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// The downstream end of proxied requests: on an HTTP/1.1 connection (its requests one after another; NIO's pipelining
/// handler holds the next until the current response ended) or on one HTTP/2 stream channel (one request). It routes
/// each request, answers locally or forwards it through an ``HTTPUpstreamExchange``, and streams both bodies with
/// backpressure: downstream reads are held while the upstream cannot take more, and the ``HTTPUpstreamRelay`` holds
/// upstream reads while the downstream cannot.
///
/// What happens when is decided by an ``HTTPStreamStateMachine``; this handler carries out its actions, keeps the
/// timers and writes the access log line.
final class HTTPStreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Codec: String {
        case http1 = "HTTP/1.1"
        case http2 = "HTTP/2"
    }

    let manager: HTTPConnectionManagerContext
    let codec: Codec
    /// HTTP/2: the connection's PING policy, told when a response sends headers or data.
    private let onResponseActivity: (() -> Void)?
    var context: ChannelHandlerContext?
    /// The request in flight; nil between requests.
    var stream: HTTPActiveStream?
    /// A `read()` held back while the upstream cannot take more.
    private var readPending = false
    /// HTTP/1.1: the connection closes after the current response (`connection: close`, a drain, a local reply cut
    /// short).
    var closeAfterResponse = false
    /// HTTP/1.1 connection timers.
    var idleTimer: Scheduled<Void>?
    var maxDurationTimer: Scheduled<Void>?
    var headersTimer: Scheduled<Void>?
    private var inactive = false
    /// The write of the last response's end, to close an HTTP/1.1 connection only after it.
    private var lastEndWritten: EventLoopFuture<Void>?

    init(manager: HTTPConnectionManagerContext, codec: Codec, onResponseActivity: (() -> Void)? = nil) {
        self.manager = manager
        self.codec = codec
        self.onResponseActivity = onResponseActivity
    }

    var plan: HttpConnectionManagerPlan { manager.plan }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if codec == .http1 {
            startConnectionTimers(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelConnectionTimers()
        self.context = nil
    }

    // MARK: Downstream events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestHead(head, context: context)
        case .body(let body):
            guard let stream else { return }
            stream.touch()
            stream.bytesReceived += body.readableBytes
            switch stream.state.requestBody() {
            case .write: stream.writeUpstream(.body(.byteBuffer(body)))
            case .hold: stream.held.append(.body(.byteBuffer(body)))
            case .drop: break
            }
        case .end(let trailers):
            guard let stream else { return }
            stream.touch()
            stream.cancelRequestTimer()
            switch stream.state.requestEnd() {
            case .write(let startRouteTimer):
                stream.writeUpstream(.end(trailers))
                stream.flushUpstream()
                if startRouteTimer { stream.startRouteTimer() }
            case .hold:
                stream.held.append(.end(trailers))
            case .streamDone:
                finishStream(stream)
            case .none:
                break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        stream?.flushUpstream()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if let stream, stream.holdsDownstreamReads {
            readPending = true
            return
        }
        context.read()
    }

    /// The upstream can take more again: let downstream reads go on.
    func resumeDownstreamReads() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stream?.relay?.resumeUpstreamReads()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        cancelConnectionTimers()
        if let stream, !stream.finished {
            if stream.state.response != .complete {
                stream.flags.append(.downstreamConnectionTermination)
                manager.stats.increment(.downstreamRequestRxReset)
            }
            if stream.state.downstreamGone() { stream.closeUpstream() }
            finishStream(stream)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        manager.logger.debug(
            "downstream HTTP error; closing",
            metadata: ["error": "\(error)", "connection.codec": "\(codec.rawValue)"]
        )
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // HTTP/1.1: the client shut its output; what it asked is answered, then the connection closes.
            closeAfterResponse = true
            if stream == nil { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Responses

    /// Writes a response part downstream; counts bytes and tells the PING policy.
    func writeDownstream(_ part: HTTPServerResponsePart, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch part {
        case .body(.byteBuffer(let buffer)): stream?.bytesSent += buffer.readableBytes
        // Counted as the head goes out (Envoy counts at encode time), so a client that has its answer sees it counted.
        case .head(let head) where head.status.code >= 200: manager.countResponse(status: Int(head.status.code))
        default: break
        }
        onResponseActivity?()
        if case .end = part {
            let promise = promise ?? context.eventLoop.makePromise()
            lastEndWritten = promise.futureResult
            context.write(wrapOutboundOut(part), promise: promise)
        } else {
            context.write(wrapOutboundOut(part), promise: promise)
        }
    }

    func flushDownstream() {
        context?.flush()
    }

    var downstreamWritable: Bool { context?.channel.isWritable ?? false }

    /// Answers the current request from the gateway (or resets it, when its response already started); `target`, when
    /// given, must still be the current request.
    func sendLocalReply(_ reply: HTTPLocalReply, for target: HTTPActiveStream? = nil) {
        guard let stream, target == nil || target === stream, let context else { return }
        switch stream.state.localReply() {
        case .reply(let closeUpstream):
            if closeUpstream { stream.closeUpstream() }
            if let flag = reply.flag { stream.flags.append(flag) }
            if !stream.state.requestComplete {
                // The rest of the request will not be read: an HTTP/1.1 connection cannot be reused.
                closeAfterResponse = true
            }
            drainOnResponse()
            let response = reply.response(
                version: stream.head.version,
                grpc: stream.grpc,
                close: codec == .http1 && closeAfterResponse
            )
            var head = response.0
            let body = response.1
            if reply.flag == nil || reply.headers.contains(where: { $0.0 == "location" }) {
                HTTPHeaderRules.apply(
                    stream.responseMutations,
                    toResponse: &head.headers,
                    downstream: downstreamFacts(context: context)
                )
            }
            stream.status = Int(head.status.code)
            if stream.grpc && codec == .http2, writeTrailersOnly(head, context: context) {
                finishStream(stream)
                return
            }
            writeDownstream(.head(head))
            if let body { writeDownstream(.body(.byteBuffer(body))) }
            writeDownstream(.end(nil))
            flushDownstream()
            finishStream(stream)
        case .reset(let closeUpstream):
            if closeUpstream { stream.closeUpstream() }
            if let flag = reply.flag { stream.flags.append(flag) }
            resetStream(stream)
        case .none:
            break
        }
    }

    /// A gRPC local reply on HTTP/2 as Envoy sends it: trailers-only, one HEADERS frame (`:status`, the gRPC status)
    /// that ends the stream. swift-nio-http2's HTTP/1-style codec cannot end a stream on its first HEADERS frame, so
    /// the frame is written below it, from the codec's own context. False when there is no such codec.
    private func writeTrailersOnly(_ head: HTTPResponseHead, context: ChannelHandlerContext) -> Bool {
        guard
            let codec = try? context.pipeline.syncOperations.context(
                handlerType: HTTP2FramePayloadToHTTP1ServerCodec.self
            )
        else { return false }
        var headers = HPACKHeaders([(":status", String(head.status.code))])
        for (name, value) in head.headers where name.lowercased() != "content-length" {
            headers.add(name: name.lowercased(), value: value)
        }
        manager.countResponse(status: Int(head.status.code))
        onResponseActivity?()
        let promise = context.eventLoop.makePromise(of: Void.self)
        lastEndWritten = promise.futureResult
        let frame = HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: true))
        codec.writeAndFlush(NIOAny(frame), promise: promise)
        return true
    }

    /// Ends a request abruptly: HTTP/2 resets the stream with `code` — INTERNAL_ERROR, as Envoy 1.40 resets a stream
    /// it ends (measured: a route timeout once a gRPC server stream's response began); closing a stream channel alone
    /// would send CANCEL — HTTP/1.1 closes the connection.
    func resetStream(_ stream: HTTPActiveStream, code: HTTP2ErrorCode = .internalError) {
        guard !stream.finished else { return }
        manager.stats.increment(.downstreamRequestTxReset)
        finishStream(stream)
        if codec == .http2, code != .cancel, let context,
            let codecContext = try? context.pipeline.syncOperations.context(
                handlerType: HTTP2FramePayloadToHTTP1ServerCodec.self
            )
        {
            codecContext.writeAndFlush(NIOAny(HTTP2Frame.FramePayload.rstStream(code)), promise: nil)
        }
        context?.close(promise: nil)
    }

    /// The request is over (answered, reset, or its client gone): log it, count it, and get ready for the next one.
    func finishStream(_ stream: HTTPActiveStream) {
        guard !stream.finished else { return }
        stream.finished = true
        stream.cancelTimers()
        manager.stats.decrement(.downstreamRequestsActive)
        // Looked up only for a line that is written.
        let connection =
            manager.accessLog.logLevel > .info
            ? nil : codec == .http2 ? (context?.channel.parent ?? context?.channel) : context?.channel
        HTTPAccessLog.write(
            stream: stream,
            codec: codec,
            downstream: connection?.downstreamRemoteAddress,
            to: manager.accessLog
        )
        // HTTP/1.1: NIO's pipelining handler may already have handed over the next request while this one's end was
        // being written; then that one is current and the connection is busy.
        guard self.stream === stream else { return }
        self.stream = nil
        readPending = false
        guard let context, !inactive else { return }
        switch codec {
        case .http1:
            if closeAfterResponse {
                // Close once the response is on the wire, not before (a close drops writes still queued).
                context.flush()
                if let lastEndWritten {
                    lastEndWritten.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                } else {
                    context.close(promise: nil)
                }
            } else {
                startIdleTimer(context: context)
                context.read()
            }
        case .http2:
            if !stream.state.requestComplete {
                // The response ended before the request: reset the rest of it, as Envoy does — once the response's end
                // is out, so the reset cannot overtake it.
                if let lastEndWritten {
                    lastEndWritten.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                } else {
                    context.close(promise: nil)
                }
            } else {
                context.read()
            }
        }
    }
}

@available(*, unavailable)
extension HTTPStreamHandler: Sendable {}
