#if canImport(Glibc)
    import Glibc
#endif

/// Which engine moves the bytes of tcp_proxy chains that pass them untouched (no TLS terminated or originated): the
/// ``LifelineRelay`` epoll relay (the default: less CPU per request and a third of the memory per idle connection,
/// with every behaviour the test suite and the network lab check), or NIO's channel pipelines
/// (`LIFELINE_L4_ENGINE=nio` or `--l4-engine nio`, kept for comparison and as a fallback). Listeners the relay cannot
/// carry run on NIO whichever is chosen.
public enum L4Engine: String, Sendable, CaseIterable {
    case nio
    case relay

    /// The engine `LIFELINE_L4_ENGINE` names, the relay when it is unset or names neither.
    public static var selected: L4Engine {
        guard let value = getenv("LIFELINE_L4_ENGINE") else { return .relay }
        return L4Engine(rawValue: String(cString: value)) ?? .relay
    }
}
