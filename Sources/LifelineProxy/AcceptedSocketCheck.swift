import LifelineSocket
import Logging
import NIOCore
import Synchronization

/// Verifies, on the first accepted connection, that accepted sockets carry the keepalive-family options given to
/// the listening socket, instead of assuming the kernel copied them; where it did not (Darwin does not copy the
/// idle time), the options are applied to every accepted socket from then on.
final class AcceptedSocketCheck: Sendable {
    /// Options that Linux copies from a listening socket to the sockets it accepts.
    private static let inheritable: [(level: Int32, name: Int32)] = {
        let known = SocketOptionNames.Known.self
        var list = [known.keepalive, known.keepaliveIdle, known.keepaliveInterval, known.keepaliveCount]
        if let userTimeout = known.userTimeout { list.append(userTimeout) }
        return list
    }()

    private enum Verdict: Int {
        case unchecked = 0
        case inherited = 1
        case reapply = 2
    }

    /// The last value set for each inheritable option, whatever its state.
    private let expected: [LifelineSocket.SocketOption]
    private let verdict = Atomic<Int>(Verdict.unchecked.rawValue)

    init(options: [LifelineSocket.SocketOption]) {
        var latest: [LifelineSocket.SocketOption] = []
        for option in options {
            guard case .int = option.value,
                Self.inheritable.contains(where: { $0.level == option.level && $0.name == option.name })
            else { continue }
            latest.removeAll { $0.level == option.level && $0.name == option.name }
            latest.append(option)
        }
        expected = latest
    }

    /// Runs on the accepted channel's event loop, before any byte is proxied.
    func apply(to channel: any Channel, listener: String, logger: Logger) {
        guard !expected.isEmpty, let options = channel.syncOptions else { return }
        check(
            listener: listener,
            logger: logger,
            read: { option in try? options.getOption(Self.channelOption(option)) },
            write: { option, value in try? options.setOption(Self.channelOption(option), value: Int(value)) }
        )
    }

    /// The same for a socket accepted without NIO (the relay's), on the thread that owns it.
    func apply(toDescriptor fd: Int32, listener: String, logger: Logger) {
        guard !expected.isEmpty else { return }
        let calls = PosixSocketSystemCalls()
        check(
            listener: listener,
            logger: logger,
            read: { option in
                (try? calls.getIntOption(fd, level: option.level, name: option.name)).map(Int.init)
            },
            write: { option, value in
                try? calls.setOption(fd, level: option.level, name: option.name, value: .int(value))
            }
        )
    }

    private func check(
        listener: String,
        logger: Logger,
        read: (LifelineSocket.SocketOption) -> Int?,
        write: (LifelineSocket.SocketOption, Int32) -> Void
    ) {
        func reapply() {
            for option in expected {
                guard case .int(let value) = option.value else { continue }
                write(option, value)
            }
        }
        switch Verdict(rawValue: verdict.load(ordering: .relaxed)) {
        case .inherited:
            return
        case .reapply:
            reapply()
        case .unchecked, nil:
            var missing: [String] = []
            for option in expected {
                guard case .int(let value) = option.value else { continue }
                let actual = read(option)
                if actual != Int(value) {
                    missing.append(
                        "\(option.displayName)=\(value) (accepted socket has \(actual.map(String.init) ?? "?"))"
                    )
                }
            }
            if missing.isEmpty {
                verdict.store(Verdict.inherited.rawValue, ordering: .relaxed)
                logger.debug("accepted sockets inherit the listener's keepalive options")
            } else {
                verdict.store(Verdict.reapply.rawValue, ordering: .relaxed)
                logger.notice(
                    "accepted sockets do not inherit listener options; applying them per connection",
                    metadata: ["listener.name": "\(listener)", "options": "\(missing.joined(separator: ", "))"]
                )
                reapply()
            }
        }
    }

    private static func channelOption(_ option: LifelineSocket.SocketOption) -> ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(
            level: NIOBSDSocket.OptionLevel(rawValue: option.level),
            name: NIOBSDSocket.Option(rawValue: option.name)
        )
    }
}
