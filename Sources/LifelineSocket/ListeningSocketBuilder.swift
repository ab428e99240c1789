/// The lifecycle driver: makes a listening socket and applies each option exactly at the state it names.
///
/// `socket()` → STATE_PREBIND options → `bind()` → STATE_BOUND options → `listen()` → STATE_LISTENING options.
/// The finished descriptor is handed to the event loop by the caller. On any failure the descriptor is closed, so
/// nothing half-made stays behind.
public struct ListeningSocketBuilder<Calls: SocketSystemCalls>: Sendable {
    public let calls: Calls

    public init(calls: Calls) {
        self.calls = calls
    }

    /// Makes, stages, binds and listens; returns the listening descriptor, owned by the caller.
    public func makeListeningSocket(
        listener: String,
        address: IPEndpoint,
        options: [StagedSocketOption],
        backlog: Int32
    ) throws(ListeningSocketError) -> Int32 {
        func failure(_ step: ListeningSocketError.Step, _ cause: SystemCallError) -> ListeningSocketError {
            ListeningSocketError(listener: listener, address: address, step: step, cause: cause)
        }

        let fd: Int32
        do {
            fd = try calls.makeStreamSocket(family: address.family)
        } catch {
            throw failure(.socket, error)
        }

        var step = ListeningSocketError.Step.socket
        do {
            try apply(options, at: .prebind, to: fd, step: &step)
            step = .bind
            try calls.bind(fd, to: address)
            try apply(options, at: .bound, to: fd, step: &step)
            step = .listen
            try calls.listen(fd, backlog: backlog)
            try apply(options, at: .listening, to: fd, step: &step)
        } catch {
            calls.close(fd)
            throw failure(step, error)
        }
        return fd
    }

    private func apply(
        _ options: [StagedSocketOption],
        at state: SocketState,
        to fd: Int32,
        step: inout ListeningSocketError.Step
    ) throws(SystemCallError) {
        for staged in options where staged.option.state == state {
            step = .option(staged)
            try calls.setOption(fd, level: staged.option.level, name: staged.option.name, value: staged.option.value)
        }
    }
}

extension ListeningSocketBuilder where Calls == PosixSocketSystemCalls {
    /// A builder that makes real sockets.
    public init() {
        self.init(calls: PosixSocketSystemCalls())
    }
}
