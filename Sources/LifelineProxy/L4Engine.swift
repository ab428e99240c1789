#if canImport(Glibc)
    import Glibc
#endif

/// Which engine moves the bytes of tcp_proxy chains that pass them untouched (no TLS terminated or originated): NIO's
/// channel pipelines, or the ``LifelineRelay`` epoll relay. NIO stays the default until the relay carries every
/// behaviour the tcp_proxy suites check; `LIFELINE_L4_ENGINE=relay` selects the relay for A/B runs.
public enum L4Engine: String, Sendable, CaseIterable {
    case nio
    case relay

    /// The engine `LIFELINE_L4_ENGINE` names, NIO when it is unset or names neither.
    public static var selected: L4Engine {
        guard let value = getenv("LIFELINE_L4_ENGINE") else { return .nio }
        return L4Engine(rawValue: String(cString: value)) ?? .nio
    }
}
