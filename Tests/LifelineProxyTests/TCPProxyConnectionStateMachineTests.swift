import NIOCore
import Testing

@testable import LifelineProxy

/// One side of a proxied connection as a value: what the glue handler is told to do for every ordering of reads,
/// half-closes, closes and backpressure, without a channel.
@Suite struct TCPProxyConnectionStateMachineTests {
    typealias Machine = TCPProxyConnectionStateMachine

    /// A side whose channel is active, beside a partner that is active and writable.
    private func open() -> Machine {
        var machine = Machine()
        machine.handlerAdded(isActive: true, isWritable: true, partnerIsActive: true, partnerIsWritable: true)
        return machine
    }

    // MARK: Before the partner connects

    @Test func bytesAndEndOfInputBeforeThePartnerConnectsAreHeldThenHandedOverInOrder() {
        var machine = Machine()
        machine.handlerAdded(isActive: true, isWritable: true, partnerIsActive: false, partnerIsWritable: true)
        #expect(machine.channelRead(ByteBuffer(string: "early ")) == .hold)
        #expect(machine.channelRead(ByteBuffer(string: "bytes")) == .hold)
        #expect(machine.channelReadComplete() == .none)
        #expect(machine.inputClosed() == .none)
        #expect(machine.readRequested() == .hold)

        let action = machine.partnerConnected(isWritable: true)
        #expect(action == .init(writeHeldBytes: true, shutDownPartnerOutput: true, read: true))
        #expect(machine.takeHeldBytes() == [ByteBuffer(string: "early "), ByteBuffer(string: "bytes")])
        // Handed over once.
        #expect(machine.takeHeldBytes().isEmpty)
        #expect(machine.channelRead(ByteBuffer(string: "late")) == .forward)
        #expect(machine.channelReadComplete() == .flushPartner)
    }

    @Test func nothingHeldMeansNothingToDoOnConnect() {
        var machine = Machine()
        machine.channelActive()
        #expect(machine.partnerConnected(isWritable: true) == .init())
        #expect(machine.readRequested() == .read)
    }

    @Test func aReadHeldWhileConnectingWaitsOnForAPartnerThatConnectsUnwritable() {
        var machine = Machine()
        machine.channelActive()
        // No pause is counted while the partner connects: that is not backpressure.
        #expect(machine.readRequested() == .hold)
        #expect(machine.partnerConnected(isWritable: false) == .init())
        #expect(machine.partnerWritabilityChanged(isWritable: true) == .read)
    }

    @Test func anUpstreamAddedBesideAnActiveDownstreamSeesItOpen() {
        var upstream = Machine()
        upstream.handlerAdded(isActive: false, isWritable: true, partnerIsActive: true, partnerIsWritable: false)
        #expect(upstream.channel == .connecting)
        #expect(upstream.partner == .open(writable: false))
        upstream.channelActive()
        #expect(upstream.isActive)
        #expect(upstream.readRequested() == .holdAndCountPause)
    }

    // MARK: Backpressure

    @Test func readsAreHeldWhileThePartnerIsNotWritableAndOnePauseIsCounted() {
        var machine = open()
        #expect(machine.readRequested() == .read)
        #expect(machine.partnerWritabilityChanged(isWritable: false) == .none)
        #expect(machine.readRequested() == .holdAndCountPause)
        #expect(machine.readRequested() == .hold)
        // Bytes already read still go on: the high-water mark bounds what is held, it does not refuse bytes.
        #expect(machine.channelRead(ByteBuffer(string: "x")) == .forward)
        #expect(machine.partnerWritabilityChanged(isWritable: true) == .read)
        // The withheld read was issued once; nothing more is owed.
        #expect(machine.partnerWritabilityChanged(isWritable: true) == .none)
        #expect(machine.readRequested() == .read)
        // A new pause is counted again.
        #expect(machine.partnerWritabilityChanged(isWritable: false) == .none)
        #expect(machine.readRequested() == .holdAndCountPause)
    }

    @Test func ownWritabilityIsKeptForThePartnerToAsk() {
        var machine = open()
        #expect(machine.isWritable)
        machine.writabilityChanged(isWritable: false)
        #expect(!machine.isWritable)
        machine.writabilityChanged(isWritable: true)
        #expect(machine.isWritable)
    }

    @Test func aReadHeldWhenThePartnerClosesIsNotResumed() {
        var machine = open()
        #expect(machine.partnerWritabilityChanged(isWritable: false) == .none)
        #expect(machine.readRequested() == .holdAndCountPause)
        #expect(machine.partnerClosed(cleanly: true) == .flushThenReport)
        #expect(machine.readRequested() == .hold)
        #expect(machine.channelRead(ByteBuffer(string: "nowhere")) == .hold)
        #expect(machine.channelReadComplete() == .none)
        #expect(machine.takeHeldBytes().isEmpty)
    }

    // MARK: Half-close

    @Test func endOfInputShutsThePartnersOutput() {
        var machine = open()
        #expect(machine.inputClosed() == .shutDownPartnerOutput)
        #expect(machine.sawEndOfInput)
    }

    @Test func thePartnersEndOfInputShutsThisOutputOnlyAfterTheQueuedBytes() {
        var machine = open()
        #expect(machine.partnerInputClosed() == .flushThenReport)
        #expect(machine.output == .shuttingDownAfterFlush)
        // Asked again (it cannot end twice, but the machine does not shut twice either).
        #expect(machine.partnerInputClosed() == .none)
        #expect(machine.pendingWritesFlushed() == .shutDownOutput)
        #expect(machine.output == .closed)
        #expect(machine.pendingWritesFlushed() == .none)
        // This side still reads: only its output is shut.
        #expect(machine.channelRead(ByteBuffer(string: "answer")) == .forward)
    }

    @Test func aShutdownIsNotAskedOfAClosedChannel() {
        var machine = open()
        #expect(machine.channelInactive() == .classifyThenClosePartner(cleanly: true))
        #expect(machine.partnerInputClosed() == .none)
        #expect(machine.pendingWritesFlushed() == .none)
    }

    // MARK: Close

    @Test func aCleanPartnerCloseClosesThisSideAfterItsQueuedBytes() {
        var machine = open()
        #expect(machine.partnerClosed(cleanly: true) == .flushThenReport)
        #expect(machine.closeRequested)
        #expect(machine.pendingWritesFlushed() == .close)
        #expect(machine.pendingWritesFlushed() == .none)
    }

    @Test func aFailedPartnerClosesThisSideAtOnce() {
        var machine = open()
        #expect(machine.partnerClosed(cleanly: false) == .close)
        #expect(machine.closeRequested)
    }

    @Test func aFailedPartnerClosesThisSideAtOnceEvenWithAShutdownWaiting() {
        var machine = open()
        #expect(machine.partnerInputClosed() == .flushThenReport)
        #expect(machine.partnerClosed(cleanly: false) == .close)
        // The flush that completes later (or fails as the channel closes) asks for nothing more.
        #expect(machine.pendingWritesFlushed() == .none)
    }

    @Test func aPartnerClosedAfterThisOutputWasShutClosesAtOnce() {
        var machine = open()
        #expect(machine.partnerInputClosed() == .flushThenReport)
        #expect(machine.pendingWritesFlushed() == .shutDownOutput)
        #expect(machine.partnerClosed(cleanly: true) == .close)
    }

    /// The client finished its upload (FIN) while bytes for the upstream were still queued, and then the downstream
    /// closed cleanly: the upstream's output is closed only after those bytes — never at once.
    @Test func aCleanPartnerCloseWhileAShutdownWaitsForQueuedBytesClosesAfterThemNotBefore() {
        var upstream = open()
        #expect(upstream.partnerInputClosed() == .flushThenReport)
        #expect(upstream.partnerClosed(cleanly: true) == .none)
        #expect(upstream.output == .closingAfterFlush)
        #expect(upstream.closeRequested)
        // The flush under way decides: a full close (the partner is gone), not only a shutdown.
        #expect(upstream.pendingWritesFlushed() == .close)
        #expect(upstream.pendingWritesFlushed() == .none)
    }

    @Test func aPartnerClosingWhileThisSideConnectsClosesItAtOnce() {
        var upstream = Machine()
        upstream.handlerAdded(isActive: false, isWritable: true, partnerIsActive: true, partnerIsWritable: true)
        #expect(upstream.partnerClosed(cleanly: true) == .close)
        #expect(upstream.closeRequested)
    }

    @Test func aPartnerClosingAfterThisSideClosedAsksNothing() {
        var machine = open()
        _ = machine.channelInactive()
        #expect(machine.partnerClosed(cleanly: true) == .none)
        #expect(machine.partnerClosed(cleanly: false) == .none)
        #expect(!machine.closeRequested)
    }

    @Test func aSecondPartnerCloseAsksNothingMore() {
        var machine = open()
        #expect(machine.partnerClosed(cleanly: true) == .flushThenReport)
        #expect(machine.partnerClosed(cleanly: true) == .none)
    }

    // MARK: What the close is counted as

    @Test func aCleanEndTellsThePartnerItMayFlushFirst() {
        var machine = open()
        #expect(machine.inputClosed() == .shutDownPartnerOutput)
        #expect(machine.channelInactive() == .classifyThenClosePartner(cleanly: true))
        #expect(machine.sawEndOfInput)
        #expect(!machine.closeRequested)
        #expect(machine.localReason == nil)
        #expect(!machine.isActive)
    }

    @Test func aFailureTellsThePartnerToCloseAtOnce() {
        var machine = open()
        machine.errorCaught()
        #expect(machine.failed)
        #expect(machine.channelInactive() == .classifyThenClosePartner(cleanly: false))
    }

    @Test func onlyAFullCloseCountsAsRequested() {
        var machine = open()
        machine.closeRequested(mode: .output)
        #expect(!machine.closeRequested)
        machine.closeRequested(mode: .all)
        #expect(machine.closeRequested)
    }

    @Test func anIdleTimeoutIsTheReasonGiven() {
        var machine = open()
        machine.idleTimeoutExpired()
        #expect(machine.localReason == .idleTimeout)
    }

    // MARK: Both sides

    /// The two machines of a pair, driven the way the glue handlers drive them.
    private struct Pair {
        var downstream: Machine
        var upstream: Machine
        /// What the handlers were told to do to either channel, in order.
        var log: [String] = []

        mutating func downstreamRead() {
            if downstream.channelRead(ByteBuffer(string: "x")) == .forward { log.append("upstream: write") }
        }

        mutating func downstreamInputClosed() {
            if downstream.inputClosed() == .shutDownPartnerOutput { perform(upstream.partnerInputClosed(), "upstream") }
        }

        mutating func upstreamInputClosed() {
            if upstream.inputClosed() == .shutDownPartnerOutput {
                perform(downstream.partnerInputClosed(), "downstream")
            }
        }

        mutating func downstreamInactive() {
            if case .classifyThenClosePartner(let cleanly) = downstream.channelInactive() {
                log.append("downstream: inactive")
                perform(upstream.partnerClosed(cleanly: cleanly), "upstream")
            }
        }

        mutating func upstreamInactive() {
            if case .classifyThenClosePartner(let cleanly) = upstream.channelInactive() {
                log.append("upstream: inactive")
                perform(downstream.partnerClosed(cleanly: cleanly), "downstream")
            }
        }

        mutating func upstreamFlushed() {
            switch upstream.pendingWritesFlushed() {
            case .shutDownOutput: log.append("upstream: shut output")
            case .close: log.append("upstream: close")
            case .none: break
            }
        }

        mutating func downstreamFlushed() {
            switch downstream.pendingWritesFlushed() {
            case .shutDownOutput: log.append("downstream: shut output")
            case .close: log.append("downstream: close")
            case .none: break
            }
        }

        private mutating func perform(_ action: Machine.OutputAction, _ side: String) {
            switch action {
            case .flushThenReport: log.append("\(side): flush")
            case .close: log.append("\(side): close")
            case .none: break
            }
        }
    }

    private func openPair() -> Pair {
        Pair(downstream: open(), upstream: open())
    }

    /// The client uploads, sends FIN and closes; the upstream reads slowly, so bytes are still queued for it. The
    /// upstream then ends its own output, which closes the downstream (its input had ended): the upstream is closed
    /// only once the queued bytes are written.
    @Test func anUploadEndedWhileTheUpstreamStillHasQueuedBytesReachesItBeforeItCloses() {
        var pair = openPair()
        pair.downstreamRead()
        pair.downstreamRead()
        pair.downstreamInputClosed()
        pair.upstreamInputClosed()
        pair.downstreamFlushed()
        // NIO closes the downstream outright: its input had ended before its output was shut.
        pair.downstreamInactive()
        pair.upstreamFlushed()
        #expect(
            pair.log == [
                "upstream: write", "upstream: write", "upstream: flush", "downstream: flush", "downstream: shut output",
                "downstream: inactive", "upstream: close",
            ]
        )
    }

    /// The downstream closes cleanly before the upload's end arrives as an event (its output was shut first, so NIO
    /// reports no end of input): the upstream still gets every queued byte before it closes.
    @Test func aDownstreamThatClosesWithoutAnEndOfInputEventStillLetsTheUpstreamFlush() {
        var pair = openPair()
        pair.upstreamInputClosed()
        pair.downstreamFlushed()
        pair.downstreamRead()
        pair.downstreamInactive()
        pair.upstreamFlushed()
        #expect(
            pair.log == [
                "downstream: flush", "downstream: shut output", "upstream: write", "downstream: inactive",
                "upstream: flush", "upstream: close",
            ]
        )
    }

    @Test func halfClosesBothWaysEndInTwoShutdownsAndNoClose() {
        var pair = openPair()
        pair.downstreamInputClosed()
        pair.upstreamFlushed()
        pair.upstreamInputClosed()
        pair.downstreamFlushed()
        #expect(
            pair.log == ["upstream: flush", "upstream: shut output", "downstream: flush", "downstream: shut output"]
        )
        // NIO then closes both channels itself (input and output ended); each tells the other, which is closed too.
        pair.downstreamInactive()
        pair.upstreamInactive()
        #expect(pair.log.suffix(3) == ["downstream: inactive", "upstream: close", "upstream: inactive"])
    }

    @Test func aResetDownstreamDropsWhatIsQueuedForTheUpstream() {
        var pair = openPair()
        pair.downstreamRead()
        pair.downstream.errorCaught()
        pair.downstreamInactive()
        #expect(pair.log == ["upstream: write", "downstream: inactive", "upstream: close"])
    }

    @Test func aResetUpstreamAfterTheUploadEndedClosesTheDownstreamAtOnce() {
        var pair = openPair()
        pair.downstreamInputClosed()
        pair.upstream.errorCaught()
        pair.upstreamInactive()
        pair.upstreamFlushed()
        #expect(pair.log == ["upstream: flush", "upstream: inactive", "downstream: close"])
    }
}
