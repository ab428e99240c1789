#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Names and texts for `errno` values, so errors say what the kernel said.
public enum ErrorNumber {
    /// `strerror(3)` of an errno.
    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// The errno a keepalive or user-timeout failure leaves on a socket.
    public static var timedOut: Int32 { ETIMEDOUT }
    /// The errno of a refused connection.
    public static var connectionRefused: Int32 { ECONNREFUSED }
    /// The errno of a reset connection.
    public static var connectionReset: Int32 { ECONNRESET }
    /// The errno of a write to a connection the peer reset.
    public static var brokenPipe: Int32 { EPIPE }
}
