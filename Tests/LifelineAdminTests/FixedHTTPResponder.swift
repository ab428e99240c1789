import NIOCore
import NIOPosix

/// A test upstream that answers every read with one small `200` response, whatever arrived.
struct FixedHTTPResponder {
    let channel: any Channel
    let port: Int

    static func start(group: any EventLoopGroup) async throws -> FixedHTTPResponder {
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Responder()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FixedHTTPResponder(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    /// A loopback port nothing listens on: bound, then closed.
    static func unusedPort(group: any EventLoopGroup) async throws -> Int {
        let responder = try await start(group: group)
        try await responder.close()
        return responder.port
    }

    func close() async throws {
        try await channel.close()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let response = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
        }
    }
}
