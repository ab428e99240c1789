import NIOCore

/// Ahead of a connection's transport socket (after any listener filter): keeps the connection in its loop's
/// ``ConnectionTable`` while it is open and counts the bytes it reads and writes at the socket.
final class ConnectionTableHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let table: ConnectionTable
    private let labels: ConnectionLabels
    private var entry: ConnectionTable.Entry?

    init(table: ConnectionTable, labels: ConnectionLabels) {
        self.table = table
        self.labels = labels
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context.channel) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        unregister()
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unregister()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        entry?.bytesReceived += unwrapInboundIn(data).readableBytes
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        entry?.bytesSent += unwrapOutboundIn(data).readableBytes
        context.write(data, promise: promise)
    }

    private func register(_ channel: any Channel) {
        guard entry == nil else { return }
        entry = table.add(channel, labels: labels)
    }

    private func unregister() {
        guard let entry else { return }
        table.remove(entry)
        self.entry = nil
    }
}

@available(*, unavailable)
extension ConnectionTableHandler: Sendable {}
