import NIOCore
import NIOHTTP1

/// Answers a request HTTP/1.1's decoder could not read — 431 for headers over `max_request_headers_kb`, 400 for
/// anything else (bad framing, conflicting `Content-Length` and `Transfer-Encoding`) — unless a response is already
/// under way, then closes the connection once the answer is written. Counted as
/// `downstream_cx_protocol_error`, and the answer as `downstream_rq_total` and `downstream_rq_4xx`, as Envoy counts it.
final class HTTP1ProtocolErrorHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let stats: ProxyStats
    private var responseInProgress = false
    private var failed = false

    init(stats: ProxyStats) {
        self.stats = stats
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !failed else { return }
        failed = true
        stats.increment(.downstreamProtocolError)
        guard !responseInProgress else {
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus =
            parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        // Envoy counts the answer as a request that got a 4xx, as it counts any local reply.
        stats.increment(.downstreamRequestsTotal)
        stats.increment(.downstreamRequests4xx)
        let headers = HTTPHeaders([("content-length", "0"), ("connection", "close")])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )

        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: responseInProgress = true
        case .end: responseInProgress = false
        default: break
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension HTTP1ProtocolErrorHandler: Sendable {}
