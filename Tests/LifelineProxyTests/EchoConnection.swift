import NIOCore

/// A client connection that sends a message and reads its echo, as often as asked (an async channel's inbound stream
/// has one iterator, kept here). Used by one task at a time.
final class EchoConnection: @unchecked Sendable {
    let channel: ByteChannel
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    init(_ channel: ByteChannel) {
        self.channel = channel
        iterator = channel.inbound.makeAsyncIterator()
    }

    deinit {
        channel.outbound.finish()
    }

    /// Ends the connection (while its event loop still runs).
    func close() async {
        channel.outbound.finish()
        try? await channel.channel.close()
    }

    /// Sends `message` and reads until as many bytes came back (or the connection ended).
    func echo(_ message: String) async throws -> String {
        try await channel.outbound.write(ByteBuffer(string: message))
        var received = ByteBuffer()
        while received.readableBytes < message.utf8.count, var chunk = try await iterator.next() {
            received.writeBuffer(&chunk)
        }
        return String(buffer: received)
    }

    /// Waits for the connection to end: true when it ended (closed or reset) without another byte.
    func waitForEnd() async -> Bool {
        do {
            return try await iterator.next() == nil
        } catch {
            return true
        }
    }
}
