/// Bytes read from one side that the other could not take yet. Empty (and holding no memory) whenever the other
/// side keeps up, which is almost always for an idle or request/response connection: the relay reads into its
/// loop's one scratch buffer and copies here only what a write left over.
struct RelayPendingBytes {
    private var storage: [UInt8] = []
    private var start = 0

    var isEmpty: Bool { start == storage.count }
    var count: Int { storage.count - start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    /// Drops `count` written bytes; releases the storage once nothing is left.
    mutating func consume(_ count: Int) {
        start += count
        if start == storage.count {
            storage = []
            start = 0
        }
    }

    mutating func removeAll() {
        storage = []
        start = 0
    }
}
