/// The life of one proxied request, as Envoy's router and connection manager see it: the downstream request
/// (headers, body, end), the upstream exchange (asked for, open, retried once, over), and the downstream response
/// (not started, streaming, complete). It decides; ``HTTPStreamHandler`` carries out the actions.
///
/// The decisions that matter:
/// - a failure before the response started becomes a local reply, after it a reset of the downstream stream;
/// - a failed exchange on a reused connection is retried once, when nothing of the request was written and nothing
///   of the response came back;
/// - the route `timeout` starts when the downstream request is complete (Envoy's meaning);
/// - an exchange may be given back for reuse only when the request was written whole and the response read whole.
struct HTTPStreamStateMachine {
    enum Upstream: Equatable {
        /// No exchange asked for (a local reply, or not routed yet).
        case none
        /// Waiting for the pool.
        case connecting
        /// The exchange is open; `requestWritten` once any part of the request went out.
        case open(requestWritten: Bool)
        /// The exchange was finished (given back or closed).
        case finished
    }

    enum Response: Equatable {
        case notStarted
        case streaming
        case complete
    }

    private(set) var requestComplete = false
    private(set) var upstream: Upstream = .none
    private(set) var response: Response = .notStarted
    private(set) var retried = false
    /// The response started from upstream bytes (not a local reply).
    private var responseFromUpstream = false

    // MARK: Downstream request

    /// The route forwards: ask the pool for an exchange.
    mutating func forward() {
        precondition(upstream == .none)
        upstream = .connecting
    }

    enum RequestPartAction: Equatable {
        /// Write it to the open exchange.
        case write
        /// Keep it until the exchange is open (and stop reading downstream meanwhile).
        case hold
        /// Nothing will carry it (a local reply was or will be sent): drop it.
        case drop
    }

    /// A body part of the request arrived.
    mutating func requestBody() -> RequestPartAction {
        switch upstream {
        case .connecting: return .hold
        case .open: return .write
        case .none, .finished: return .drop
        }
    }

    enum RequestEndAction: Equatable {
        case write(startRouteTimer: Bool)
        case hold
        /// The request ended after the response was already complete (a local reply, or an upstream that answered
        /// early): the stream is over.
        case streamDone
        case none
    }

    /// The request's end arrived.
    mutating func requestEnd() -> RequestEndAction {
        requestComplete = true
        switch upstream {
        case .connecting: return .hold
        case .open:
            return .write(startRouteTimer: response != .complete)
        case .none, .finished:
            return response == .complete ? .streamDone : .none
        }
    }

    // MARK: Upstream

    enum ConnectedAction: Equatable {
        /// Write the request head and what was held; start the route timer when the request was complete already.
        case writeHeld(startRouteTimer: Bool)
        /// The stream ended meanwhile (reset downstream, timeout): give the exchange back closed.
        case abandon
    }

    mutating func upstreamConnected() -> ConnectedAction {
        guard upstream == .connecting else { return .abandon }
        upstream = .open(requestWritten: false)
        return .writeHeld(startRouteTimer: requestComplete)
    }

    enum FailureAction: Equatable {
        /// Ask the pool for another exchange (once).
        case retry
        /// Answer locally.
        case localReply
        /// The response already started: reset the downstream stream (HTTP/2) or close the connection (HTTP/1.1).
        case resetDownstream
        /// The stream is already over: nothing to do.
        case none
    }

    /// The pool could not give an exchange, or the exchange failed. `reused`: it ran on a connection that had served
    /// earlier exchanges (and nothing was written yet); `refused`: the upstream refused the stream unprocessed
    /// (REFUSED_STREAM, or a GOAWAY that left it out), so sending it again is safe even though it was written. Either
    /// way only when everything written is still at hand (`replayable`).
    mutating func upstreamFailed(reused: Bool, refused: Bool = false, replayable: Bool = true) -> FailureAction {
        let requestWritten: Bool
        switch upstream {
        case .connecting: requestWritten = false
        case .open(let written): requestWritten = written
        case .none, .finished: return .none
        }
        let safe = ((reused && !requestWritten) || refused) && replayable
        if safe && !retried && !responseFromUpstream {
            retried = true
            upstream = .connecting
            return .retry
        }
        upstream = .finished
        switch response {
        case .notStarted: return .localReply
        case .streaming: return .resetDownstream
        case .complete: return .none
        }
    }

    /// A write of the request to the exchange succeeded: from now on a failure is not retried.
    mutating func requestWritten() {
        if case .open = upstream { upstream = .open(requestWritten: true) }
    }

    /// The upstream response head arrived.
    mutating func responseHead() -> Bool {
        guard response == .notStarted, case .open = upstream else { return false }
        responseFromUpstream = true
        response = .streaming
        return true
    }

    enum ResponseEndAction: Equatable {
        /// Send the end downstream and finish the exchange (`reusable` when the request was written whole); the
        /// stream is done when the request is complete too.
        case finish(reusable: Bool, streamDone: Bool)
        case none
    }

    /// The upstream response ended.
    mutating func responseEnd() -> ResponseEndAction {
        guard response == .streaming, case .open = upstream else { return .none }
        response = .complete
        upstream = .finished
        return .finish(reusable: requestComplete, streamDone: requestComplete)
    }

    // MARK: Local replies, timeouts, resets

    enum LocalAction: Equatable {
        /// Send the local reply (the exchange, if any, is closed).
        case reply(closeUpstream: Bool)
        /// Too late for a reply: reset the downstream stream, closing the exchange.
        case reset(closeUpstream: Bool)
        case none
    }

    /// A local reply is wanted (no route, direct response, redirect, a timeout, a failure).
    mutating func localReply() -> LocalAction {
        let closeUpstream = upstream == .connecting || isOpen
        if closeUpstream { upstream = .finished }
        switch response {
        case .notStarted:
            response = .complete
            return .reply(closeUpstream: closeUpstream)
        case .streaming:
            response = .complete
            return .reset(closeUpstream: closeUpstream)
        case .complete:
            return .none
        }
    }

    /// The downstream went away (connection closed, stream reset): the exchange, if open, is closed. Returns whether
    /// there was one to close.
    mutating func downstreamGone() -> Bool {
        let hadUpstream = upstream == .connecting || isOpen
        if hadUpstream { upstream = .finished }
        if response != .complete { response = .complete }
        return hadUpstream
    }

    /// A local reply was fully sent; the stream is done when the request is complete.
    var streamDoneAfterLocalReply: Bool { requestComplete }

    private var isOpen: Bool {
        if case .open = upstream { return true }
        return false
    }
}
