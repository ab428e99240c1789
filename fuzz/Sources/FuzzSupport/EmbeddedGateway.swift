public import LifelineConfig
import LifelinePipeline
import LifelinePlan
public import LifelineProxy
import Logging
public import NIOCore
public import NIOEmbedded

/// One `http_connection_manager` listener of a config, served on an `EmbeddedEventLoop`: each ``serve(_:)`` is one
/// downstream connection whose bytes arrive in the given writes. Nothing touches a socket or the file system, and
/// time moves only when the driver says, so a run is a pure function of its input.
public final class EmbeddedGateway {
    public let loop = EmbeddedEventLoop()
    public let pipeline: HTTPConnectionManagerPipeline
    private let peer: SocketAddress
    private let local: SocketAddress

    /// Plans `configText` (which must be valid: the fuzzer's fixed gateway) and makes the pipeline of its first
    /// listener.
    public init(configText: String) {
        let plan: GatewayPlan
        do {
            plan = try ConfigPipeline.plan(configText: configText).0
        } catch {
            let lines = error.diagnostics.map(\.description).joined(separator: "\n")
            fatalError("the fuzz gateway's config is invalid:\n\(lines)")
        }
        do {
            pipeline = try HTTPConnectionManagerPipeline(
                listener: plan.listeners[0],
                clusters: plan.clusters,
                eventLoop: loop,
                logger: Logger(label: "lifeline.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            peer = try SocketAddress(ipAddress: "198.18.0.1", port: 40_000)
            local = try SocketAddress(ipAddress: "198.18.0.2", port: 8080)
        } catch {
            fatalError("the fuzz gateway cannot start: \(error)")
        }
    }

    /// Serves one connection: connects, writes each chunk in turn (reading back whatever the gateway answers), lets
    /// the gateway's timers run out, then closes. Returns the bytes the gateway wrote.
    @discardableResult
    public func serve(_ chunks: [ByteBuffer]) -> Int {
        let channel = EmbeddedChannel(loop: loop)
        channel.localAddress = local
        channel.remoteAddress = peer
        var written = 0
        do {
            // As the listener sets it on every accepted connection: a client's FIN is an event, not a close.
            try channel.setOption(.allowRemoteHalfClosure, value: true).wait()
            try pipeline.initialize(channel)
            try channel.connect(to: local).wait()
        } catch {
            fatalError("the fuzz gateway cannot take a connection: \(error)")
        }
        for chunk in chunks where channel.isActive {
            do {
                try channel.writeInbound(chunk)
            } catch {
                // An error that reached the end of the pipeline: the connection is closed; the bytes stop here.
                break
            }
            loop.run()
            written += drain(channel)
        }
        // Half-close, then the timers (request headers, idle, keepalive) fire on a connection left as it was.
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        loop.run()
        written += drain(channel)
        loop.advanceTime(by: .seconds(600))
        written += drain(channel)
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
        loop.advanceTime(by: .seconds(600))
        return written
    }

    /// Reads back every byte the gateway wrote so far.
    private func drain(_ channel: EmbeddedChannel) -> Int {
        var count = 0
        while let data = try? channel.readOutbound(as: IOData.self) {
            count += data.readableBytes
        }
        return count
    }
}
