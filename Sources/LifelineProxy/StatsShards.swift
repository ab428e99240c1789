import Atomics
public import NIOCore
import NIOPosix

/// Which shard of the counters the calling thread writes.
///
/// Every event loop thread of a running gateway owns one shard: it alone writes it, with a plain relaxed load and
/// store (no read-modify-write, no cache line shared with another loop), and a reader sums the shards. Shard 0 is
/// shared by every thread that owns none (tests, tasks off the event loops, threads past ``capacity``) and is written
/// with atomic read-modify-writes, so a count from anywhere is never lost.
public enum StatsShards {
    /// Shards per scope, the shared one included: enough for a loop per core twice over (a reload may start a new
    /// group before the old one ends); threads beyond it share shard 0.
    public static let capacity = 1 + max(16, 2 * System.coreCount)

    /// The shard of the calling thread; 0 when it owns none.
    static var current: Int {
        owned.currentValue?.index ?? 0
    }

    /// Gives every event loop of `group` a shard of its own, if it has none yet. Call before the loops count
    /// anything, e.g. when the gateway starts; a loop counts into the shared shard until then.
    public static func adopt(_ group: any EventLoopGroup) async {
        for loop in group.makeIterator() {
            try? await loop.submit { adoptCurrentThread() }.get()
        }
    }

    /// Gives the calling thread a shard of its own, if it has none and one is left. Returns the thread's shard.
    @discardableResult
    static func adoptCurrentThread() -> Int {
        if let shard = owned.currentValue { return shard.index }
        let index = next.loadThenWrappingIncrement(ordering: .relaxed)
        guard index < capacity else { return 0 }
        owned.currentValue = ShardIndex(index)
        return index
    }

    private static let owned = ThreadSpecificVariable<ShardIndex>()
    private static let next = ManagedAtomic<Int>(1)

    private final class ShardIndex: Sendable {
        let index: Int
        init(_ index: Int) { self.index = index }
    }
}
