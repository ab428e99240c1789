public import NIOCore

/// A fuzz input read as an HTTP/2 session: the client connection preface, then one frame per record, each written on
/// its own. A record is `type (1) flags (1) stream id (4, big-endian) length (2, big-endian) payload`; the frame
/// header the gateway sees carries the payload's real length (cut short at the end of the input), so mutations land
/// in frame fields and payloads instead of breaking the framing.
public enum HTTP2FrameInput {
    /// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113, 3.4).
    public static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// The bytes of a record before its payload.
    public static let recordHeaderLength = 8

    public static func writes(_ input: UnsafeRawBufferPointer) -> [ByteBuffer] {
        var writes = [ByteBuffer(bytes: preface)]
        var offset = 0
        while offset + recordHeaderLength <= input.count {
            let type = input[offset]
            let flags = input[offset + 1]
            let stream = input[(offset + 2)..<(offset + 6)]
            let declared = Int(input[offset + 6]) << 8 | Int(input[offset + 7])
            offset += recordHeaderLength
            let length = min(declared, input.count - offset)
            var frame = ByteBuffer()
            frame.reserveCapacity(9 + length)
            frame.writeInteger(UInt8(truncatingIfNeeded: length >> 16))
            frame.writeInteger(UInt16(truncatingIfNeeded: length))
            frame.writeInteger(type)
            frame.writeInteger(flags)
            frame.writeBytes(stream)
            frame.writeBytes(input[offset..<(offset + length)])
            writes.append(frame)
            offset += length
        }
        return writes
    }
}
