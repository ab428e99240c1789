import Atomics
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

/// Which shard of the counters the calling thread writes.
///
/// Every event loop thread of a running gateway owns one shard: it alone writes it, with a plain relaxed load and
/// store (no read-modify-write, no cache line shared with another loop), and a reader sums the shards. Shard 0 is
/// shared by every thread that owns none (tests, tasks off the event loops, threads past ``capacity``) and is written
/// with atomic read-modify-writes, so a count from anywhere is never lost. A thread's shard is given to the next
/// thread adopted after it exits, values and all (they still count; the new owner adds to them), so groups made and
/// shut down over a process's life do not use shards up.
public enum StatsShards {
    /// Shards, the shared one included: a loop per core twice over (a reload may start a new group before the old
    /// one ends); loop threads beyond it share shard 0. A scope allocates a shard's counters when its owner first
    /// writes, so an idle shard costs a pointer per scope.
    public static let capacity = 1 + max(16, 2 * System.coreCount)

    /// The shard of the calling thread; 0 when it owns none.
    static var current: Int {
        owned.currentValue?.index ?? 0
    }

    /// Gives every event loop of `group` a shard of its own, if it has none yet. Call before the loops count
    /// anything, e.g. when the gateway starts; a loop counts into the shared shard until then.
    public static func adopt(_ group: any EventLoopGroup) async {
        for loop in group.makeIterator() {
            _ = try? await loop.submit { adoptCurrentThread() }.get()
        }
    }

    /// Gives the calling thread a shard of its own, if it has none and one is left. Returns the thread's shard.
    @discardableResult
    static func adoptCurrentThread() -> Int {
        if let shard = owned.currentValue { return shard.index }
        let index = released.withLockedValue { $0.popLast() } ?? next.loadThenWrappingIncrement(ordering: .relaxed)
        guard index < capacity else { return 0 }
        owned.currentValue = ShardIndex(index)
        return index
    }

    private static let owned = ThreadSpecificVariable<ShardIndex>()
    private static let next = ManagedAtomic<Int>(1)
    /// Shards whose threads have exited. The lock also orders the old owner's last writes before the new owner's.
    private static let released = NIOLockedValueBox<[Int]>([])

    /// A thread's shard; released when the thread exits and drops it.
    private final class ShardIndex: Sendable {
        let index: Int

        init(_ index: Int) {
            self.index = index
        }

        deinit {
            let index = index
            StatsShards.released.withLockedValue { $0.append(index) }
        }
    }
}
