/// Why a listening socket could not be made. Names the listener, the step, the option and the errno.
public struct ListeningSocketError: Error, Sendable, CustomStringConvertible {
    public enum Step: Sendable, Hashable {
        case socket
        case option(StagedSocketOption)
        case bind
        case listen
    }

    public var listener: String
    public var address: IPEndpoint
    public var step: Step
    public var cause: SystemCallError

    public var description: String {
        let what: String
        switch step {
        case .socket:
            what = "socket()"
        case .option(let staged):
            let value: String
            switch staged.option.value {
            case .int(let number): value = "\(number)"
            case .bytes(let bytes): value = "\(bytes.count) bytes"
            }
            what =
                "setsockopt \(staged.option.displayName)=\(value) at \(staged.option.state.protoName) (from \(staged.source))"
        case .bind:
            what = "bind()"
        case .listen:
            what = "listen()"
        }
        return "listener \(listener) on \(address): \(what) failed: \(cause)"
    }
}
