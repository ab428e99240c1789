import NIOCore

/// One connection of a proxied pair — the downstream one or the upstream one — as the glue handler on it sees it:
/// its own channel (connecting, open, closed), its input (open, ended by the peer's FIN), its output (open, shutting
/// down or closing once its queued bytes are written, shut), and what it knows of its partner on the other side
/// (connecting, open and whether it takes more bytes, closed).
///
/// Each method takes one event and returns what the handler must do; the machine touches no channel, so every ordering
/// of half-close, close and backpressure can be checked without one. The per-read methods return payload-free actions
/// and allocate nothing (bytes read before the partner connects are kept here, in an array that is only ever
/// allocated for them).
///
/// The one ordering that needs care: NIO turns an output shutdown into a full close, dropping queued writes, when the
/// channel's input has already ended. So this side's output is never shut (nor the channel closed because its partner
/// ended cleanly) while bytes are still queued: the handler first writes an empty buffer and flushes, and only when
/// that write completes — after every byte before it — does it carry out the shutdown or close, as
/// ``pendingWritesFlushed()`` says. A clean close of the partner that arrives while such a shutdown is waiting turns
/// it into a close after the same flush instead of a close at once.
struct TCPProxyConnectionStateMachine {
    enum ChannelState: Equatable {
        /// Not active yet: an upstream connect under way, or a channel not yet announced active.
        case connecting
        case open
        case closed
    }

    enum OutputState: Equatable {
        case open
        /// The partner's input ended: shut this output once the bytes queued before are written.
        case shuttingDownAfterFlush
        /// The partner closed cleanly: close this channel once the bytes queued before are written.
        case closingAfterFlush
        /// Shut (FIN sent) or closed.
        case closed
    }

    enum PartnerState: Equatable {
        /// Not active yet (the upstream connect is under way).
        case connecting
        /// Active; `writable` as its last writability change said.
        case open(writable: Bool)
        case closed
    }

    private(set) var channel = ChannelState.connecting
    /// Whether this side's channel takes more writes, as its last writability change said.
    private(set) var isWritable = true
    /// Whether the peer's FIN arrived on this side.
    private(set) var sawEndOfInput = false
    private(set) var output = OutputState.open
    private(set) var partner = PartnerState.connecting
    /// Whether this side's channel failed (an error, e.g. a reset) rather than ending cleanly.
    private(set) var failed = false
    /// Whether a full close of this channel was asked for here (rather than the peer ending it).
    private(set) var closeRequested = false
    /// Why the gateway closes this side, when it does so on purpose (idle timeout).
    private(set) var localReason: CloseReason?
    /// A `read()` withheld because the partner could not take more bytes (or was not connected).
    private var readHeld = false
    /// Bytes read before the partner connected.
    private var held: [ByteBuffer] = []
    /// End of input seen before the partner connected.
    private var heldInputClosed = false

    var isActive: Bool { channel == .open }

    // MARK: Actions

    enum ReadAction: Equatable {
        /// Write the bytes to the partner.
        case forward
        /// The partner is not connected (or gone): the machine keeps the bytes until it connects.
        case hold
    }

    enum ReadCompleteAction: Equatable {
        case flushPartner
        case none
    }

    enum InputClosedAction: Equatable {
        /// Shut the partner's output once its queued bytes are written (the partner's machine decides how).
        case shutDownPartnerOutput
        /// The partner is not connected: the end of input is held until it connects.
        case none
    }

    enum ReadRequestAction: Equatable {
        /// Pass the `read()` on.
        case read
        /// Withhold it until the partner connects or becomes writable.
        case hold
        /// Withhold it, and count that reading paused for backpressure (once per pause).
        case holdAndCountPause
    }

    enum ResumeAction: Equatable {
        /// Issue the withheld `read()` now.
        case read
        case none
    }

    /// What to do when the partner connects, in this order.
    struct PartnerConnectedAction: Equatable {
        /// Write ``takeHeldBytes()`` to the partner and flush it.
        var writeHeldBytes = false
        /// Then shut the partner's output (this side's input ended while it connected).
        var shutDownPartnerOutput = false
        /// Then issue the withheld `read()`.
        var read = false
    }

    enum OutputAction: Equatable {
        /// Write an empty buffer and flush; when that write completes, report ``pendingWritesFlushed()``.
        case flushThenReport
        /// Close this channel now.
        case close
        case none
    }

    enum FlushedAction: Equatable {
        case shutDownOutput
        case close
        case none
    }

    enum InactiveAction: Equatable {
        /// Classify and count this side's close, then tell the partner, which may first write what it has queued
        /// only when this side ended cleanly.
        case classifyThenClosePartner(cleanly: Bool)
    }

    // MARK: Events from this side's channel

    /// The handler was added to a channel in this state, beside a partner in that state.
    mutating func handlerAdded(isActive: Bool, isWritable: Bool, partnerIsActive: Bool, partnerIsWritable: Bool) {
        if isActive {
            channel = .open
        }
        self.isWritable = isWritable
        if partnerIsActive {
            partner = .open(writable: partnerIsWritable)
        }
    }

    mutating func handlerRemoved() {
        channel = .closed
    }

    mutating func channelActive() {
        channel = .open
    }

    /// Bytes were read on this side's channel.
    mutating func channelRead(_ buffer: ByteBuffer) -> ReadAction {
        if case .open = partner {
            return .forward
        }
        if case .connecting = partner {
            held.append(buffer)
        }
        // A closed partner closes this side too; what it reads meanwhile goes nowhere.
        return .hold
    }

    func channelReadComplete() -> ReadCompleteAction {
        if case .open = partner { .flushPartner } else { .none }
    }

    /// The peer's FIN arrived on this side.
    mutating func inputClosed() -> InputClosedAction {
        sawEndOfInput = true
        if case .open = partner {
            return .shutDownPartnerOutput
        }
        heldInputClosed = true
        return .none
    }

    mutating func writabilityChanged(isWritable: Bool) {
        self.isWritable = isWritable
    }

    /// `read()` was asked for on this side's channel.
    mutating func readRequested() -> ReadRequestAction {
        switch partner {
        case .open(writable: true):
            return .read
        case .open(writable: false):
            defer { readHeld = true }
            return readHeld ? .hold : .holdAndCountPause
        case .connecting, .closed:
            readHeld = true
            return .hold
        }
    }

    /// A full close of this channel was asked for (`mode == .all`), or its output shut (`.output`).
    mutating func closeRequested(mode: CloseMode) {
        if mode == .all {
            closeRequested = true
        }
    }

    /// The channel failed: the handler closes it.
    mutating func errorCaught() {
        failed = true
    }

    /// tcp_proxy's `idle_timeout` passed: the session closes both sides, and this side counts its close as that.
    mutating func idleTimeoutExpired() {
        localReason = .idleTimeout
    }

    mutating func channelInactive() -> InactiveAction {
        channel = .closed
        output = .closed
        return .classifyThenClosePartner(cleanly: !failed)
    }

    /// The empty write that followed every queued byte completed.
    mutating func pendingWritesFlushed() -> FlushedAction {
        switch output {
        case .shuttingDownAfterFlush:
            output = .closed
            return .shutDownOutput
        case .closingAfterFlush:
            output = .closed
            return .close
        case .open, .closed:
            return .none
        }
    }

    // MARK: Events from the partner

    /// The partner's channel became active.
    mutating func partnerConnected(isWritable partnerIsWritable: Bool) -> PartnerConnectedAction {
        partner = .open(writable: partnerIsWritable)
        var action = PartnerConnectedAction()
        action.writeHeldBytes = !held.isEmpty
        if heldInputClosed {
            heldInputClosed = false
            action.shutDownPartnerOutput = true
        }
        if readHeld, partnerIsWritable, channel != .closed {
            readHeld = false
            action.read = true
        }
        return action
    }

    /// The bytes read before the partner connected, handed over once (after ``partnerConnected(isWritable:)`` said
    /// to write them).
    mutating func takeHeldBytes() -> [ByteBuffer] {
        defer { held = [] }
        return held
    }

    mutating func partnerWritabilityChanged(isWritable partnerIsWritable: Bool) -> ResumeAction {
        if case .open = partner {
            partner = .open(writable: partnerIsWritable)
        }
        guard partnerIsWritable, readHeld else { return .none }
        readHeld = false
        return .read
    }

    /// The partner's input ended: this side's output is to be shut, after what is queued on it.
    mutating func partnerInputClosed() -> OutputAction {
        guard output == .open, channel != .closed else { return .none }
        output = .shuttingDownAfterFlush
        return .flushThenReport
    }

    /// The partner's channel closed; `cleanly` when it ended without an error, so this side may first write what it
    /// has queued.
    mutating func partnerClosed(cleanly: Bool) -> OutputAction {
        partner = .closed
        guard channel != .closed else { return .none }
        closeRequested = true
        guard cleanly, channel == .open else {
            output = .closed
            return .close
        }
        switch output {
        case .open:
            output = .closingAfterFlush
            return .flushThenReport
        case .shuttingDownAfterFlush:
            // The flush under way is the one to wait for: close after it instead of only shutting the output.
            output = .closingAfterFlush
            return .none
        case .closingAfterFlush:
            return .none
        case .closed:
            return .close
        }
    }
}
