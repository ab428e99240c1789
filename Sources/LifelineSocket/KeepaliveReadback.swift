/// The keepalive settings a socket actually carries, read back with `getsockopt(2)`.
///
/// Used to verify that accepted sockets inherited what the listener was given instead of assuming it.
public struct KeepaliveReadback: Sendable, Hashable, CustomStringConvertible {
    /// `SO_KEEPALIVE`.
    public var enabled: Bool
    /// `TCP_KEEPIDLE` (Darwin: `TCP_KEEPALIVE`), seconds.
    public var idleSeconds: Int32
    /// `TCP_KEEPINTVL`, seconds.
    public var intervalSeconds: Int32
    /// `TCP_KEEPCNT`.
    public var probes: Int32
    /// `TCP_USER_TIMEOUT` in milliseconds, where the platform has it.
    public var userTimeoutMilliseconds: Int32?

    public init(
        enabled: Bool,
        idleSeconds: Int32,
        intervalSeconds: Int32,
        probes: Int32,
        userTimeoutMilliseconds: Int32?
    ) {
        self.enabled = enabled
        self.idleSeconds = idleSeconds
        self.intervalSeconds = intervalSeconds
        self.probes = probes
        self.userTimeoutMilliseconds = userTimeoutMilliseconds
    }

    /// Reads the settings of `fd`.
    public static func read(fd: Int32, calls: some SocketSystemCalls = PosixSocketSystemCalls()) throws(SystemCallError)
        -> KeepaliveReadback
    {
        let known = SocketOptionNames.Known.self
        let userTimeout: Int32?
        if let option = known.userTimeout {
            userTimeout = try calls.getIntOption(fd, level: option.level, name: option.name)
        } else {
            userTimeout = nil
        }
        return KeepaliveReadback(
            enabled: try calls.getIntOption(fd, level: known.keepalive.level, name: known.keepalive.name) != 0,
            idleSeconds: try calls.getIntOption(fd, level: known.keepaliveIdle.level, name: known.keepaliveIdle.name),
            intervalSeconds: try calls.getIntOption(
                fd,
                level: known.keepaliveInterval.level,
                name: known.keepaliveInterval.name
            ),
            probes: try calls.getIntOption(fd, level: known.keepaliveCount.level, name: known.keepaliveCount.name),
            userTimeoutMilliseconds: userTimeout
        )
    }

    public var description: String {
        var text = "SO_KEEPALIVE=\(enabled ? 1 : 0) idle=\(idleSeconds)s interval=\(intervalSeconds)s probes=\(probes)"
        if let userTimeoutMilliseconds {
            text += " TCP_USER_TIMEOUT=\(userTimeoutMilliseconds)ms"
        }
        return text
    }
}
