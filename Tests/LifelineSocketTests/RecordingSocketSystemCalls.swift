import LifelineSocket
import Synchronization

/// Records every call the lifecycle driver makes; can be told to fail one `setsockopt`.
final class RecordingSocketSystemCalls: SocketSystemCalls {
    let calls = Mutex<[String]>([])
    let failingOption: (level: Int32, name: Int32, errno: Int32)?

    init(failingOption: (level: Int32, name: Int32, errno: Int32)? = nil) {
        self.failingOption = failingOption
    }

    var recorded: [String] { calls.withLock { $0 } }

    private func record(_ call: String) {
        calls.withLock { $0.append(call) }
    }

    func makeStreamSocket(family: IPAddressFamily) throws(SystemCallError) -> Int32 {
        record("socket")
        return 42
    }

    func setOption(_ fd: Int32, level: Int32, name: Int32, value: SocketOption.Value) throws(SystemCallError) {
        record("setsockopt \(SocketOptionNames.display(level: level, name: name))")
        if let failingOption, failingOption.level == level, failingOption.name == name {
            throw SystemCallError(call: "setsockopt", errno: failingOption.errno)
        }
    }

    func getIntOption(_ fd: Int32, level: Int32, name: Int32) throws(SystemCallError) -> Int32 {
        record("getsockopt \(SocketOptionNames.display(level: level, name: name))")
        return 0
    }

    func bind(_ fd: Int32, to address: IPEndpoint) throws(SystemCallError) {
        record("bind \(address)")
    }

    func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError) {
        record("listen \(backlog)")
    }

    func close(_ fd: Int32) {
        record("close \(fd)")
    }
}
