import Atomics

/// The counters of one scope, one shard per event loop (see ``StatsShards``).
///
/// Each shard holds a value and a "written" flag per ``ProxyStats/Name`` and starts on its own cache lines, so loops
/// never write the same line. The owner of a shard writes it with a relaxed load and store; shard 0, shared, with
/// atomic adds. A value is the wrapping sum of its shards, so a gauge raised on one loop and lowered on another
/// (negative in that shard) still sums right.
final class StatsScopeStorage: Sendable {
    let scope: StatScope
    /// Ints per shard: a value and a flag per name, rounded up to whole 128-byte blocks (two cache lines, as the
    /// adjacent-line prefetcher pairs them).
    private static let stride = (2 * ProxyStats.Name.allCases.count + 15) / 16 * 16
    private nonisolated(unsafe) let cells: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>

    init(scope: StatScope) {
        self.scope = scope
        let count = Self.stride * StatsShards.capacity
        cells = .allocate(capacity: count)
        cells.initialize(repeating: UnsafeAtomic<Int>.Storage(0), count: count)
    }

    deinit {
        cells.deinitialize(count: Self.stride * StatsShards.capacity)
        cells.deallocate()
    }

    /// Adds `amount` (negative to lower a gauge) in the calling thread's shard.
    @inline(__always)
    func add(_ amount: Int, to name: ProxyStats.Name, shard: Int) {
        let offset = shard &* Self.stride &+ 2 &* name.ordinal
        let value = UnsafeAtomic<Int>(at: cells + offset)
        let written = UnsafeAtomic<Int>(at: cells + offset + 1)
        if shard == 0 {
            value.wrappingIncrement(by: amount, ordering: .relaxed)
            written.store(1, ordering: .relaxed)
        } else {
            value.store(value.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
            if written.load(ordering: .relaxed) == 0 { written.store(1, ordering: .relaxed) }
        }
    }

    /// The sum over every shard.
    func value(of name: ProxyStats.Name) -> Int {
        var sum = 0
        for shard in 0..<StatsShards.capacity {
            sum &+= UnsafeAtomic<Int>(at: cells + shard * Self.stride + 2 * name.ordinal).load(ordering: .relaxed)
        }
        return sum
    }

    /// Whether any shard was ever written for `name` (Envoy's "used"), even if the value is back at 0.
    func isWritten(_ name: ProxyStats.Name) -> Bool {
        (0..<StatsShards.capacity).contains { shard in
            UnsafeAtomic<Int>(at: cells + shard * Self.stride + 2 * name.ordinal + 1).load(ordering: .relaxed) != 0
        }
    }
}
