import LifelineConfig
import NIOCore

/// Envoy's `proxy_protocol` listener filter as the first handler of an accepted channel: it holds the first bytes
/// until ``ProxyProtocolParser`` can tell what they are, then either takes the header off — putting a
/// ``DownstreamAddresses`` in the pipeline when the header names the client — and passes the rest on, or passes every
/// byte on untouched (no header, and `allow_requests_without_proxy_protocol`), or closes the connection. Then it
/// leaves the pipeline.
///
/// It counts Envoy's `proxy_proto.*` stats into `stats` and, for a malformed header or a missing one,
/// `downstream_cx_proxy_proto_error`. `onDecided` runs, on the event loop, before the bytes after the header go on,
/// so it may add the handlers that take them (the next listener filter, or the chosen chain).
final class ProxyProtocolHandler: ListenerFilterHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let parser: ProxyProtocolParser
    private let config: ProxyProtocolConfig
    private let continueOnTimeout: Bool
    private let stats: ProxyStats
    private let onDecided: (ProxyProtocolHeader?) -> Void
    private let onRejected: (ProxyProtocolRejection) -> Void

    var isReading = true
    var held: ByteBuffer?
    var timer: ListenerFilterTimer

    /// - Parameters:
    ///   - timeout: what is left of `listener_filters_timeout`; nil waits for ever.
    ///   - continueOnTimeout: `continue_on_listener_filters_timeout`: on timeout, go on as if there were no header.
    ///   - onDecided: the header read, or nil when the connection goes on without one.
    init(
        config: ProxyProtocolConfig,
        parser: ProxyProtocolParser = ProxyProtocolParser(),
        timeout: TimeAmount?,
        continueOnTimeout: Bool,
        stats: ProxyStats,
        onDecided: @escaping (ProxyProtocolHeader?) -> Void,
        onRejected: @escaping (ProxyProtocolRejection) -> Void = { _ in }
    ) {
        self.config = config
        self.parser = parser
        self.continueOnTimeout = continueOnTimeout
        self.stats = stats
        self.onDecided = onDecided
        self.onRejected = onRejected
        timer = ListenerFilterTimer(timeout: timeout)
    }

    // MARK: Deciding

    func heldBytesChanged(context: ChannelHandlerContext) {
        read(context: context)
    }

    func timedOut(context: ChannelHandlerContext) {
        if continueOnTimeout {
            pass(header: nil, context: context)
        } else {
            reject(.timeout, context: context)
        }
    }

    func inputClosedWhileReading(context: ChannelHandlerContext) {
        reject(.connectionClosed, context: context)
    }

    func closedWhileReading() {
        onRejected(.connectionClosed)
    }

    private func read(context: ChannelHandlerContext) {
        guard let held else { return }
        switch parser.parse(held) {
        case .needMoreData:
            return
        case .notProxyProtocol:
            guard config.allowRequestsWithoutProxyProtocol else {
                stats.increment(.proxyProtocolNotFoundDisallowed)
                reject(.notFound, context: context)
                return
            }
            stats.increment(.proxyProtocolNotFoundAllowed)
            pass(header: nil, context: context)
        case .malformed(let version, let reason):
            stats.increment(version == .v1 ? .proxyProtocolV1Error : .proxyProtocolV2Error)
            reject(.malformed(version, reason: reason), context: context)
        case .header(let header):
            let configured: ProxyProtocolConfig.Version = header.version == .v1 ? .v1 : .v2
            if config.disallowedVersions.contains(configured) {
                // As Envoy 1.40 does: with allow, a disallowed version is no header at all and goes on untouched;
                // without, it is found, then refused (not counted as an error).
                if config.allowRequestsWithoutProxyProtocol {
                    stats.increment(.proxyProtocolNotFoundAllowed)
                    pass(header: nil, context: context)
                    return
                }
                stats.increment(header.version == .v1 ? .proxyProtocolV1Found : .proxyProtocolV2Found)
                stats.increment(header.version == .v1 ? .proxyProtocolV1Disallowed : .proxyProtocolV2Disallowed)
                reject(.disallowed(header.version), context: context)
                return
            }
            stats.increment(header.version == .v1 ? .proxyProtocolV1Found : .proxyProtocolV2Found)
            if let source = header.source, let destination = header.destination {
                let addresses = DownstreamAddresses(remote: source, local: destination, header: header)
                do {
                    try context.pipeline.syncOperations.addHandler(addresses, position: .first)
                } catch {
                    reject(.connectionClosed, context: context)
                    return
                }
            }
            self.held?.moveReaderIndex(forwardBy: header.length)
            pass(header: header, context: context)
        }
    }

    /// Hands the connection on: `onDecided`, then what is held after the header, then out of the pipeline.
    private func pass(header: ProxyProtocolHeader?, context: ChannelHandlerContext) {
        isReading = false
        timer.cancel()
        onDecided(header)
        if let buffer = held {
            held = nil
            if buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
                context.fireChannelReadComplete()
            }
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func reject(_ rejection: ProxyProtocolRejection, context: ChannelHandlerContext) {
        isReading = false
        timer.cancel()
        held = nil
        switch rejection {
        case .malformed, .notFound: stats.increment(.proxyProtocolError)
        case .disallowed, .timeout, .connectionClosed: break
        }
        onRejected(rejection)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ProxyProtocolHandler: Sendable {}
