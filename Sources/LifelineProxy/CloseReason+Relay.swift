import LifelineRelay

extension CloseReason {
    /// Classifies one side of a relayed connection from what the relay saw on its socket, by the same rules as a
    /// channel's close.
    static func classify(_ facts: RelayCloseFacts) -> CloseReason {
        classify(
            errorNumber: facts.errorNumber,
            tcpInfo: facts.tcpInfo,
            sawEndOfInput: facts.sawEndOfInput,
            closeRequested: facts.closeRequested,
            localReason: facts.idleTimedOut ? .idleTimeout : nil
        )
    }
}
