/// Bytes read from one side that the other could not take yet. Empty (and holding no memory) whenever the other
/// side keeps up, which is almost always for an idle or request/response connection: the relay reads into its
/// loop's one scratch buffer and copies here only what a write left over.
///
/// A direction that has shown itself bulk (a read filled the scratch buffer) moves its bytes by `splice(2)` through
/// a pipe instead, when the loop splices: then what the target has not taken waits in the pipe (`piped`). When the
/// pipe is full, reading goes on into memory up to the limit, behind it. Order holds: splicing happens only with
/// nothing kept in memory, so the pipe's bytes are always older than the memory's and are written first.
struct RelayPendingBytes {
    private var storage: [UInt8] = []
    private var start = 0
    /// Whether a read in this direction filled the scratch buffer: from then on it splices (when the loop does).
    var bulk = false
    /// The pipe lent to this direction while it splices.
    var pipe: RelayPipe?
    /// Bytes in `pipe` that the target has not taken.
    var piped = 0

    var isEmpty: Bool { start == storage.count && piped == 0 }
    var count: Int { storage.count - start + piped }
    /// Whether bytes are kept in memory (not in the pipe).
    var hasBufferedBytes: Bool { start != storage.count }

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

    /// Drops what is kept in memory and hands back the pipe (with what it holds) for the caller to dispose of.
    mutating func removeAll() -> RelayPipe? {
        storage = []
        start = 0
        defer {
            pipe = nil
            piped = 0
        }
        return pipe
    }
}
