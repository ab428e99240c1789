#if os(Linux)
    import LifelineRelay
    import Synchronization

    /// The process's one relay engine, started by the first listener that needs it with as many loops as that
    /// listener's event loop group has (`--event-loops`), and kept for the process's life: like the event loop group
    /// a gateway is given, it outlives listeners and reloads.
    enum RelayEngines {
        private static let engine = Mutex<RelayEngine?>(nil)

        /// The engine, started with `loopCount` loops if it is not running yet; nil if it cannot start.
        static func shared(loopCount: Int) -> RelayEngine? {
            engine.withLock { engine in
                if let engine { return engine }
                engine = try? RelayEngine(loopCount: loopCount)
                return engine
            }
        }
    }
#endif
