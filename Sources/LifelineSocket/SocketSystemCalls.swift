/// The system calls the lifecycle driver makes, as a seam: production uses ``PosixSocketSystemCalls``; tests record.
public protocol SocketSystemCalls: Sendable {
    /// `socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0)`.
    func makeStreamSocket(family: IPAddressFamily) throws(SystemCallError) -> Int32
    /// `setsockopt(2)`.
    func setOption(_ fd: Int32, level: Int32, name: Int32, value: SocketOption.Value) throws(SystemCallError)
    /// `getsockopt(2)` for an `int` option.
    func getIntOption(_ fd: Int32, level: Int32, name: Int32) throws(SystemCallError) -> Int32
    /// `bind(2)`.
    func bind(_ fd: Int32, to address: IPEndpoint) throws(SystemCallError)
    /// `listen(2)`.
    func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError)
    /// `close(2)`.
    func close(_ fd: Int32)
}

/// A failed system call: which call, and the `errno` it left.
public struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// `setsockopt: Protocol not available (errno 92)`.
    public var description: String {
        "\(call): \(ErrorNumber.describe(errno)) (errno \(errno))"
    }
}
