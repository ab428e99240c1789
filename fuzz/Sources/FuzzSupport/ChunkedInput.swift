public import NIOCore

/// A fuzz input read as a byte stream with its split points: the first byte chooses how the rest is cut into writes,
/// so the same request can arrive whole, byte by byte, or cut anywhere in between.
///
/// The low four bits give the largest write (`1 << n` bytes, so 15 sends up to 32 KiB at once); the high four bits
/// seed the generator that picks each write's length from 1 up to that.
public enum ChunkedInput {
    public static func chunks(_ input: UnsafeRawBufferPointer) -> [ByteBuffer] {
        guard let control = input.first else { return [] }
        let largest = 1 << Int(control & 0x0f)
        var state = UInt32(control >> 4) &+ 0x9E37_79B9
        var chunks: [ByteBuffer] = []
        var offset = 1
        while offset < input.count {
            // xorshift32: cheap, and the same cuts for the same input on every run.
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let length = min(1 + Int(state % UInt32(largest)), input.count - offset)
            chunks.append(ByteBuffer(bytes: input[offset..<(offset + length)]))
            offset += length
        }
        return chunks
    }
}
