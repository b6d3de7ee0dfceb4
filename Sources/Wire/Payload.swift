/// A datagram payload (or a reassembled message) is a sequence of frames:
///
///     frame      = type-byte [length] body
///     type-byte  = last:1 kind:4 flags:3
///
/// Every frame but the last carries a varint body length; the last frame omits it and its
/// body runs to the end of the payload. That is the only accepted form, so every frame
/// sequence has exactly one encoding.
public enum Payload {
    /// Appends `messages` as frames. An empty list appends nothing.
    public static func encode(_ messages: [Message], into out: inout [UInt8], compression: BatchCompression? = nil) {
        for (i, message) in messages.enumerated() {
            message.encodeFrame(into: &out, last: i == messages.count - 1, compression: compression)
        }
    }

    public static func encode(_ messages: [Message], compression: BatchCompression? = nil) -> [UInt8] {
        var out: [UInt8] = []
        encode(messages, into: &out, compression: compression)
        return out
    }

    /// Decodes every frame of `bytes`; a payload must hold at least one frame.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> [Message] {
        var messages: [Message] = []
        // An ack, a Sequence frame and a message: the usual datagram, one allocation.
        messages.reserveCapacity(4)
        try decode(bytes, into: &messages, limits: limits)
        return messages
    }

    /// `decode` appending to the caller's array (a receiver reuses one buffer). On an
    /// error the array may hold the frames before the bad one: the caller discards them.
    public static func decode(_ bytes: [UInt8], into messages: inout [Message], limits: WireLimits = .default) throws(WireError) {
        try bytes.withWireReader(limits: limits) { (reader) throws(WireError) in
            var frames = FrameIterator(reader)
            while let message = try frames.next() {
                messages.append(message)
            }
        }
    }

    /// Decodes a payload that must hold exactly one frame.
    public static func decodeSingle(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> Message {
        try bytes.withWireReader(limits: limits) { (reader) throws(WireError) -> Message in
            var frames = FrameIterator(reader)
            guard let message = try frames.next() else {
                throw WireError(.truncated, at: 0, field: "frame")
            }
            guard frames.isFinished else {
                throw WireError(.trailingBytes(count: reader.end - frames.offset), at: frames.offset, field: "payload")
            }
            return message
        }
    }
}

/// Yields the frames of a payload one by one, without allocating a list.
public struct FrameIterator {
    private var reader: WireReader
    private var sawLast = false
    private var frames = 0

    public init(_ reader: WireReader) {
        self.reader = reader
    }

    /// Absolute offset of the next unread byte.
    public var offset: Int { reader.offset }
    /// True once the last frame has been read.
    public var isFinished: Bool { sawLast }

    /// The next message, or nil after the last frame. The first call on an empty payload throws.
    public mutating func next() throws(WireError) -> Message? {
        if sawLast { return nil }
        let typeOffset = reader.offset
        frames += 1
        guard frames <= reader.limits.maxFramesPerPayload else {
            throw WireError(
                .lengthOverLimit(length: UInt64(frames), limit: reader.limits.maxFramesPerPayload), at: typeOffset, field: "frame count")
        }
        let typeByte = try reader.readByte("frame type")
        let rawKind = (typeByte >> FrameTypeByte.kindShift) & FrameTypeByte.kindMask
        guard let kind = FrameKind(rawValue: rawKind) else {
            throw WireError(.unknownKind(UInt64(rawKind)), at: typeOffset, field: "frame type")
        }
        let flags = typeByte & FrameTypeByte.flagsMask
        var body: WireReader
        if typeByte & FrameTypeByte.lastFrameBit != 0 {
            body = try reader.subReader("frame body", length: reader.remaining)
            sawLast = true
        } else {
            let length = try reader.readVarint("frame length")
            guard length <= UInt64(reader.remaining) else {
                throw WireError(.truncated, at: reader.end, field: "frame body")
            }
            body = try reader.subReader("frame body", length: Int(length))
            if reader.isAtEnd {
                throw WireError(.frameLengthForm, at: typeOffset, field: "frame type")
            }
        }
        return try Message.decodeBody(kind: kind, flags: flags, typeOffset: typeOffset, from: &body)
    }
}
