import LifelineSocket
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The live connections of one event loop, for the admin endpoint: registered and removed by their
/// ``ConnectionTableHandler`` (an HTTP connection manager connection: its ``HTTPConnectionTracker``) on that loop and
/// read there, so neither opening nor closing a connection takes a lock.
final class ConnectionTable {
    /// One registered connection; its byte counters are bumped by its handler.
    final class Entry {
        let id: UInt64
        let labels: ConnectionLabels
        let channel: any Channel
        /// The peer and local addresses as the connection is known by them: a PROXY header's, read before the
        /// connection was registered, or the socket's.
        let peer: SocketAddress?
        let local: SocketAddress?
        let started: NIODeadline
        let startUnixMilliseconds: Int64
        var bytesReceived = 0
        var bytesSent = 0

        init(id: UInt64, labels: ConnectionLabels, channel: any Channel) {
            self.id = id
            self.labels = labels
            self.channel = channel
            peer = channel.downstreamRemoteAddress
            local = channel.downstreamLocalAddress
            started = .now()
            startUnixMilliseconds = ConnectionTable.unixMilliseconds()
        }
    }

    let eventLoop: any EventLoop
    private let ids: ConnectionTables.IDs
    private var entries: [UInt64: Entry] = [:]

    init(eventLoop: any EventLoop, ids: ConnectionTables.IDs) {
        self.eventLoop = eventLoop
        self.ids = ids
    }

    var count: Int { entries.count }

    func add(_ channel: any Channel, labels: ConnectionLabels) -> Entry {
        eventLoop.assertInEventLoop()
        let entry = Entry(id: ids.next(), labels: labels, channel: channel)
        entries[entry.id] = entry
        return entry
    }

    func remove(_ entry: Entry) {
        eventLoop.assertInEventLoop()
        entries[entry.id] = nil
    }

    /// Every connection with its socket's keepalive settings and `TCP_INFO` read now.
    func snapshot() -> [ConnectionSnapshot] {
        eventLoop.preconditionInEventLoop()
        let now = NIODeadline.now()
        return entries.values.map { entry in
            let channel = entry.channel
            return ConnectionSnapshot(
                id: entry.id,
                direction: entry.labels.direction,
                kind: entry.labels.kind,
                peer: entry.peer.map(TCPProxySession.text) ?? "-",
                local: entry.local.map(TCPProxySession.text) ?? "-",
                listener: entry.labels.listener,
                filterChain: entry.labels.filterChain,
                cluster: entry.labels.cluster,
                startUnixMilliseconds: entry.startUnixMilliseconds,
                ageMilliseconds: Int((now - entry.started).nanoseconds / 1_000_000),
                bytesReceived: entry.bytesReceived,
                bytesSent: entry.bytesSent,
                keepalive: Self.keepalive(channel),
                tcp: Self.tcpInfo(channel)
            )
        }
    }

    /// The keepalive options as the socket carries them now.
    private static func keepalive(_ channel: any Channel) -> ConnectionSnapshot.Keepalive? {
        guard channel.isActive, let options = channel.syncOptions else { return nil }
        func read(_ option: (level: Int32, name: Int32)) -> Int? {
            let socketOption = ChannelOptions.Types.SocketOption(
                level: NIOBSDSocket.OptionLevel(rawValue: option.level),
                name: NIOBSDSocket.Option(rawValue: option.name)
            )
            return (try? options.getOption(socketOption)).map { Int($0) }
        }
        let known = SocketOptionNames.Known.self
        guard let enabled = read(known.keepalive), let idle = read(known.keepaliveIdle),
            let interval = read(known.keepaliveInterval), let count = read(known.keepaliveCount)
        else { return nil }
        return ConnectionSnapshot.Keepalive(
            enabled: enabled != 0,
            idleSeconds: idle,
            intervalSeconds: interval,
            probes: count,
            userTimeoutMilliseconds: known.userTimeout.flatMap(read)
        )
    }

    /// `TCP_INFO`, read synchronously: on the channel's own loop NIO's provider completes at once.
    private static func tcpInfo(_ channel: any Channel) -> ConnectionSnapshot.TCP? {
        #if os(Linux)
            guard channel.isActive, let provider = channel as? any SocketOptionProvider else { return nil }
            var info: ConnectionSnapshot.TCP?
            provider.getTCPInfo().assumeIsolated().whenSuccess { info = ConnectionSnapshot.TCP(TCPInfo($0)) }
            return info
        #else
            return nil
        #endif
    }

    /// The wall clock, for the start time an operator reads (ages come from the monotonic clock).
    static func unixMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}

@available(*, unavailable)
extension ConnectionTable: Sendable {}

@available(*, unavailable)
extension ConnectionTable.Entry: Sendable {}
