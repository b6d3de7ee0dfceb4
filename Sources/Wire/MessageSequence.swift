/// Marks the frame after it as reliable message number `number` of its sender to this
/// receiver, so that a message retransmitted in a new packet is delivered only once.
/// Frames without one (acks, heartbeats) are never retransmitted.
///
/// Body: number (varint).
public struct MessageSequence: FrameBody {
    public var number: UInt64

    public init(number: UInt64) {
        self.number = number
    }

    public static let frameKind = FrameKind.sequence

    /// Bytes of this frame when it is not the payload's last: type, length (the body is
    /// at most 10 bytes, so one byte) and the number.
    public var frameSize: Int { 2 + varintSize(number) }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(number)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> MessageSequence {
        MessageSequence(number: try reader.readVarint("message number"))
    }
}
