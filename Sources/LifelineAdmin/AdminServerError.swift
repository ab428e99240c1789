public import LifelineSocket

/// Why the admin endpoint did not start.
public enum AdminServerError: Error, Equatable, CustomStringConvertible {
    /// The address is not loopback and the configuration did not allow that: the admin endpoint can stop and drain
    /// the gateway, so it is kept off the network unless asked for.
    case nonLoopbackAddress(IPEndpoint)
    /// The server is already running.
    case alreadyStarted

    public var description: String {
        switch self {
        case .nonLoopbackAddress(let address):
            "admin.address \(address) is not a loopback address; the admin endpoint can stop and drain the gateway, "
                + "so it binds only 127.0.0.0/8 or ::1 unless non-loopback admin access is explicitly allowed"
        case .alreadyStarted:
            "the admin server is already running"
        }
    }
}
