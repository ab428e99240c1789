#if os(Linux)
    import LifelineRelay
    import NIOCore

    /// The process's one relay engine, started on first use with a loop per core and kept for the process's life
    /// (like the event loop group a gateway is given, it outlives listeners and reloads).
    enum RelayEngines {
        static let shared: RelayEngine? = try? RelayEngine(loopCount: System.coreCount)
    }
#endif
