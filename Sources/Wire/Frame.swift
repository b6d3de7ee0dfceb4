/// What a frame carries. The frame's type byte holds the kind in bits 3–6, three
/// kind-specific flag bits in bits 0–2, and in bit 7 whether this is the payload's last
/// frame, whose length is then implied by the end of the payload instead of being sent.
public enum FrameKind: UInt8, Sendable, CaseIterable {
    case ack = 1
    case requestVote = 2
    case voteResponse = 3
    case appendEntries = 4
    case appendResponse = 5
    case installSnapshot = 6
    case snapshotResponse = 7
    case timeoutNow = 8
    case deployRequest = 9
    case deployResult = 10
    case deployTransfer = 11
    case deployAck = 12
    case fragment = 13
    case sequence = 14
    case memberChange = 15
    // 0 is reserved.
}

/// Bits of a frame's type byte.
@usableFromInline
enum FrameTypeByte {
    @usableFromInline static let lastFrameBit: UInt8 = 0x80
    @usableFromInline static let kindShift: UInt8 = 3
    static let kindMask: UInt8 = 0x0F
    @usableFromInline static let flagsMask: UInt8 = 0x07

    @usableFromInline
    static func make(kind: FrameKind, flags: UInt8, last: Bool) -> UInt8 {
        (last ? lastFrameBit : 0) | (kind.rawValue << kindShift) | (flags & flagsMask)
    }
}

/// A message that travels as one frame: a kind, up to three flag bits, and a body.
public protocol FrameBody: Equatable, Sendable {
    static var frameKind: FrameKind { get }
    /// The flag bits this kind defines; any other bit set is a `badFlags` error.
    static var allowedFlags: UInt8 { get }
    /// The flag bits for this value (within `allowedFlags`).
    var frameFlags: UInt8 { get }
    /// Appends the body (not the type byte or length) to `out`.
    func encodeBody(into out: inout [UInt8])
    /// Reads a body that spans all of `reader`; the caller checks that nothing is left over.
    static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> Self
}

extension FrameBody {
    public static var allowedFlags: UInt8 { 0 }
    public var frameFlags: UInt8 { 0 }

    /// Appends this message as a frame; `last` omits the length (the payload's end implies it).
    /// Inlinable: Transport writes Ack and Sequence frames into every datagram.
    @inlinable
    public func encodeFrame(into out: inout [UInt8], last: Bool = true) {
        out.append(FrameTypeByte.make(kind: Self.frameKind, flags: frameFlags, last: last))
        if last {
            encodeBody(into: &out)
        } else {
            out.appendLengthPrefixedBody { encodeBody(into: &$0) }
        }
    }

    /// This message alone, encoded as a payload of one frame.
    public func encodedFrame() -> [UInt8] {
        var out: [UInt8] = []
        encodeFrame(into: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    /// Writes a varint length and then the body that `write` appends. Bodies are usually
    /// under 128 bytes, so one length byte is reserved and widened only when needed.
    @usableFromInline
    mutating func appendLengthPrefixedBody(_ write: (inout [UInt8]) -> Void) {
        let lengthAt = count
        append(0)
        write(&self)
        let bodyLength = count - lengthAt - 1
        if bodyLength < 0x80 {
            self[lengthAt] = UInt8(bodyLength)
        } else {
            var prefix: [UInt8] = []
            prefix.appendVarint(bodyLength)
            replaceSubrange(lengthAt...lengthAt, with: prefix)
        }
    }
}
