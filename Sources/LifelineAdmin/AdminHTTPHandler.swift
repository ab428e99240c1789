import Logging
import NIOCore
import NIOHTTP1

/// Answers the requests of one admin connection: gathers each request (its body bounded, answered 413 past the
/// bound), asks the ``AdminRouter``, and writes the response with Envoy's admin headers, keeping the connection open
/// when the client asked for keep-alive.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, bodyBytes: Int)
        /// Answered already (413); the rest of the request is dropped until the connection closes.
        case discarding
        case responding
    }

    private let router: AdminRouter
    private let maxBodyBytes: Int
    private let logger: Logger
    private var state = State.idle

    init(router: AdminRouter, maxBodyBytes: Int, logger: Logger) {
        self.router = router
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
                rejectTooLarge(head, context: context)
            } else {
                state = .receiving(head, bodyBytes: 0)
            }
        case (.body(let body), .receiving(let head, let bytes)):
            let total = bytes + body.readableBytes
            if total > maxBodyBytes {
                rejectTooLarge(head, context: context)
            } else {
                state = .receiving(head, bodyBytes: total)
            }
        case (.end, .receiving(let head, _)):
            state = .responding
            dispatch(head, context: context)
        case (.end, .discarding), (.body, .discarding), (.head, .discarding):
            break
        case (.head, _), (.body, _), (.end, _):
            // With pipelining assistance a second request waits until the first is answered; anything else is
            // out of order.
            context.close(promise: nil)
        }
    }

    private func rejectTooLarge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        state = .discarding
        let response = AdminResponse(
            status: 413,
            body: "request body larger than \(maxBodyBytes) bytes\n"
        )
        write(response, head: head, keepAlive: false, context: context)
    }

    private func dispatch(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = AdminRequest(method: head.method.rawValue, target: head.uri)
        let router = router
        let promise = context.eventLoop.makePromise(of: AdminResponse.self)
        promise.completeWithTask {
            await router.respond(to: request)
        }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.state = .idle
            self.write(response, head: head, keepAlive: head.isKeepAlive, context: context)
        }
    }

    private func write(
        _ response: AdminResponse,
        head: HTTPRequestHead,
        keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "cache-control", value: "no-cache, max-age=0")
        headers.add(name: "x-content-type-options", value: "nosniff")
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(
            version: head.version,
            status: HTTPResponseStatus(statusCode: response.status),
            headers: headers
        )
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let sent = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: sent)
        context.triggerUserOutboundEvent(AdminConnectionTimer.ResponseSent(), promise: nil)
        if !keepAlive {
            sent.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension AdminHTTPHandler: Sendable {}
