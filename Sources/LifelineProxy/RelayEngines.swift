#if os(Linux)
    import Glibc
    import LifelineRelay
    import Synchronization

    /// The process's one relay engine, started by the first listener that needs it with as many loops as that
    /// listener's event loop group has (`--event-loops`), and kept for the process's life: like the event loop group
    /// a gateway is given, it outlives listeners and reloads.
    enum RelayEngines {
        private static let engine = Mutex<RelayEngine?>(nil)

        /// Whether bulk directions splice: yes unless `LIFELINE_RELAY_SPLICE=off` (for comparing the two ways).
        static var splices: Bool {
            guard let value = getenv("LIFELINE_RELAY_SPLICE") else { return true }
            return String(cString: value) != "off"
        }

        /// The engine, started with `loopCount` loops if it is not running yet; nil if it cannot start.
        static func shared(loopCount: Int) -> RelayEngine? {
            engine.withLock { engine in
                if let engine { return engine }
                engine = try? RelayEngine(loopCount: loopCount, splices: splices)
                return engine
            }
        }
    }
#endif
