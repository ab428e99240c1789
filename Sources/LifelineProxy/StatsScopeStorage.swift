import Atomics

/// The counters of one scope, one shard per event loop (see ``StatsShards``).
///
/// A shard holds a value and a "written" flag per ``ProxyStats/Name`` in a block of its own, allocated by the shard's
/// owner on its first write, so loops never write the same cache line. The owner writes with a relaxed load and
/// store; shard 0, shared and allocated up front, with atomic adds. A value is the wrapping sum of its shards, so a
/// gauge raised on one loop and lowered on another (negative in that shard) still sums right.
final class StatsScopeStorage: Sendable {
    typealias Cell = UnsafeAtomic<Int>.Storage

    let scope: StatScope
    /// Ints per block: a value and a flag per name, rounded up to whole 128-byte runs (two cache lines, as the
    /// adjacent-line prefetcher pairs them).
    private static let stride = (2 * ProxyStats.Name.allCases.count + 15) / 16 * 16
    /// Per shard, the address of its block, or 0 before its owner's first write.
    private nonisolated(unsafe) let blocks: UnsafeMutablePointer<Cell>

    init(scope: StatScope) {
        self.scope = scope
        blocks = .allocate(capacity: StatsShards.capacity)
        blocks.initialize(repeating: Cell(0), count: StatsShards.capacity)
        UnsafeAtomic<Int>(at: blocks).store(Int(bitPattern: Self.makeBlock()), ordering: .releasing)
    }

    deinit {
        for shard in 0..<StatsShards.capacity {
            if let block = block(shard) {
                block.deinitialize(count: Self.stride)
                block.deallocate()
            }
        }
        blocks.deinitialize(count: StatsShards.capacity)
        blocks.deallocate()
    }

    /// Adds `amount` (negative to lower a gauge) in the shard of the calling thread, which must own `shard` (or
    /// pass 0).
    @inline(__always)
    func add(_ amount: Int, to name: ProxyStats.Name, shard: Int) {
        let block = block(shard) ?? allocate(shard)
        let offset = 2 &* name.ordinal
        let value = UnsafeAtomic<Int>(at: block + offset)
        let written = UnsafeAtomic<Int>(at: block + (offset &+ 1))
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
            guard let block = block(shard) else { continue }
            sum &+= UnsafeAtomic<Int>(at: block + 2 * name.ordinal).load(ordering: .relaxed)
        }
        return sum
    }

    /// Whether any shard was ever written for `name` (Envoy's "used"), even if the value is back at 0.
    func isWritten(_ name: ProxyStats.Name) -> Bool {
        (0..<StatsShards.capacity).contains { shard in
            guard let block = block(shard) else { return false }
            return UnsafeAtomic<Int>(at: block + 2 * name.ordinal + 1).load(ordering: .relaxed) != 0
        }
    }

    @inline(__always)
    private func block(_ shard: Int) -> UnsafeMutablePointer<Cell>? {
        UnsafeMutablePointer(bitPattern: UnsafeAtomic<Int>(at: blocks + shard).load(ordering: .acquiring))
    }

    /// Only the shard's owner allocates its block, so no two threads race to.
    private func allocate(_ shard: Int) -> UnsafeMutablePointer<Cell> {
        let block = Self.makeBlock()
        UnsafeAtomic<Int>(at: blocks + shard).store(Int(bitPattern: block), ordering: .releasing)
        return block
    }

    private static func makeBlock() -> UnsafeMutablePointer<Cell> {
        let block = UnsafeMutablePointer<Cell>.allocate(capacity: stride)
        block.initialize(repeating: Cell(0), count: stride)
        return block
    }
}
