/// A bounds-checked cursor over bytes: every read either succeeds whole or returns nil/false.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func readUInt8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() -> UInt16? {
        guard bytes.count - offset >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard bytes.count - offset >= count else { return false }
        offset += count
        return true
    }

    /// A vector with a big-endian length prefix of `lengthBytes` (1 or 2) bytes.
    mutating func readVector(lengthBytes: Int) -> [UInt8]? {
        guard bytes.count - offset >= lengthBytes else { return nil }
        var length = 0
        for index in 0..<lengthBytes { length = length << 8 | Int(bytes[offset + index]) }
        guard bytes.count - offset - lengthBytes >= length else { return nil }
        let start = offset + lengthBytes
        offset = start + length
        return Array(bytes[start..<offset])
    }
}
