public import LifelineAdmin
import LifelinePlan
public import LifelineProxy
public import Logging

/// Applies a new plan to the running gateway, one reload at a time, whatever asked for it (SIGHUP, `POST /reload`,
/// a changed file): the files are read and checked again, and a config that fails `check` changes nothing — its
/// errors are logged, each with its path.
public actor Reloader {
    /// What one reload did.
    public enum Outcome: Sendable, CustomStringConvertible {
        /// The files make the plan that is running.
        case unchanged
        /// The new plan runs.
        case applied(String)
        /// The files do not pass `check`: nothing changed.
        case rejected(PlanLoadError)
        /// The new plan could not start (an address in use, a certificate that does not load): nothing changed.
        case failed(String)
        /// The gateway is draining: reloads are refused.
        case draining

        public var description: String {
            switch self {
            case .unchanged: "unchanged: the files make the plan that is running"
            case .applied(let summary): "applied: \(summary)"
            case .rejected(let error): "rejected, nothing changed:\n\(error)"
            case .failed(let reason): "failed, nothing changed: \(reason)"
            case .draining: "refused: the gateway is draining"
            }
        }

        /// Whether the running plan is what the files say.
        public var succeeded: Bool {
            switch self {
            case .unchanged, .applied: true
            case .rejected, .failed, .draining: false
            }
        }
    }

    private let source: PlanSource
    private let gateway: Gateway
    private let state: ServerState
    private let logger: Logger
    /// The plan running, with what the pipeline said about it.
    public private(set) var current: LoadedPlan
    /// The files as they were when the running plan was read (or when a reload of them last failed).
    private var fingerprints: [String: FileFingerprint?]

    public init(source: PlanSource, initial: LoadedPlan, gateway: Gateway, state: ServerState, logger: Logger) {
        self.source = source
        self.current = initial
        self.gateway = gateway
        self.state = state
        self.logger = logger
        fingerprints = FileFingerprint.of(source.files + initial.plan.pemFiles)
    }

    /// Whether a watched file changed since the running plan was read (or since the last reload tried it).
    public func filesChanged() -> Bool {
        FileFingerprint.of(Array(fingerprints.keys)) != fingerprints
    }

    /// Reads the files again and applies what they say.
    @discardableResult
    public func reload(reason: String) async -> Outcome {
        let outcome = await apply()
        switch outcome {
        case .unchanged:
            logger.info("reload: config unchanged", metadata: ["reload.trigger": "\(reason)"])
        case .applied(let summary):
            logger.info("reload: applied", metadata: ["reload.trigger": "\(reason)", "reload.summary": "\(summary)"])
        case .rejected(let error):
            logger.error(
                "reload: the config does not pass check; nothing changed",
                metadata: ["reload.trigger": "\(reason)", "reload.errors": "\(error.lines)"]
            )
            for line in error.lines {
                logger.error("reload: \(line)")
            }
        case .failed(let failure):
            logger.error(
                "reload: the new config cannot start; nothing changed",
                metadata: ["reload.trigger": "\(reason)", "error": "\(failure)"]
            )
        case .draining:
            logger.notice("reload: refused while draining", metadata: ["reload.trigger": "\(reason)"])
        }
        return outcome
    }

    private func apply() async -> Outcome {
        guard !state.isDraining else { return .draining }
        // Fingerprint before reading: a write that lands while the files are read is seen by the next check.
        let before = FileFingerprint.of(source.files + current.plan.pemFiles)
        let loaded: LoadedPlan
        do {
            loaded = try source.load()
        } catch let error as PlanLoadError {
            fingerprints = before
            return .rejected(error)
        } catch {
            fingerprints = before
            return .rejected(PlanLoadError(lines: ["\(error)"]))
        }
        for warning in loaded.warnings {
            logger.warning("reload: \(warning)")
        }
        if loaded.plan.admin != current.plan.admin {
            logger.warning("reload: admin.address changed; the admin endpoint keeps its address until a restart")
        }
        guard loaded.plan != current.plan else {
            current.envoyFiltersNotSelected = loaded.envoyFiltersNotSelected
            fingerprints = before.merging(FileFingerprint.of(loaded.plan.pemFiles)) { first, _ in first }
            return .unchanged
        }
        do {
            let summary = try await gateway.reload(to: loaded.plan)
            current = loaded
            fingerprints = before.merging(FileFingerprint.of(loaded.plan.pemFiles)) { first, _ in first }
            return .applied("\(summary)")
        } catch {
            fingerprints = before
            return .failed("\(error)")
        }
    }
}
