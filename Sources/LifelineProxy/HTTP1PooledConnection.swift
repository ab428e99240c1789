import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection of an ``HTTP1ConnectionPool``: it serves one exchange at a time and waits parked in the
/// pool between exchanges. Used only on its pool's event loop.
final class HTTP1PooledConnection {
    enum State {
        /// TCP (and TLS) under way.
        case connecting
        /// An exchange is using it.
        case busy
        /// Waiting in the pool for the next exchange, closed if nobody takes it within the idle timeout.
        case parked(idleTimer: Scheduled<Void>?)
        case closed
    }

    let endpoint: SocketAddress
    let observer: HTTP1ExchangeObserver
    var channel: (any Channel)?
    var state: State = .connecting
    /// Exchanges handed out on this connection so far.
    var exchanges = 0
    /// Why the gateway closed it, counted when it is gone; nil while the peer is the one to close it.
    var localCloseReason: ProxyStats.Name?

    init(endpoint: SocketAddress) {
        self.endpoint = endpoint
        self.observer = HTTP1ExchangeObserver()
    }

    var isParked: Bool {
        if case .parked = state { return true }
        return false
    }

    /// Closes it from this side, remembering why for the close count.
    func close(reason: ProxyStats.Name = .upstreamClosedLocally) {
        if localCloseReason == nil { localCloseReason = reason }
        channel?.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTP1PooledConnection: Sendable {}

/// Sits right after the HTTP/1.1 client codec of a pooled connection and watches each exchange: whether the request
/// and the response were complete and whether both sides allow keep-alive. While the connection is parked, anything
/// from the peer — bytes, half-close, an error — closes it, so the pool never hands out a connection the peer has
/// given up on; `onClose` tells the pool the connection is gone.
final class HTTP1ExchangeObserver: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Called once, when the channel is inactive.
    var onClose: (() -> Void)?
    /// Whether the connection is parked: nothing is expected from the peer.
    var parked = false
    private(set) var requestEnded = false
    private(set) var responseEnded = false
    private(set) var keepAlive = true
    /// The response said the connection ends (`connection: close`, or HTTP/1.0 without keep-alive).
    private(set) var closeNotified = false

    /// Starts watching the next exchange.
    func reset() {
        requestEnded = false
        responseEnded = false
        keepAlive = true
        closeNotified = false
    }

    /// The exchange ended whole and both sides said keep-alive.
    var allowsReuse: Bool {
        requestEnded && responseEnded && keepAlive
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if !head.isKeepAlive { keepAlive = false }
        case .body:
            break
        case .end:
            requestEnded = true
        }
        context.write(data, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if parked {
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            // An interim 1xx is followed by the real head, which decides.
            if head.status.code >= 200 || head.status == .switchingProtocols {
                keepAlive = keepAlive && head.isKeepAlive && head.status != .switchingProtocols
                if !head.isKeepAlive { closeNotified = true }
            }
        case .body:
            break
        case .end:
            responseEnded = true
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if parked, case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if parked {
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension HTTP1ExchangeObserver: Sendable {}
