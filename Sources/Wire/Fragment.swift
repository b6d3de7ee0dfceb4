/// One piece of a message too large for one datagram. The pieces' data, joined in index
/// order, is a payload of frames.
///
/// Body: message id, piece index, piece count (1…maxFragmentsPerMessage), then the piece's
/// data to the end of the body. The index must be below the count.
public struct Fragment: FrameBody {
    public var messageID: UInt64
    public var index: Int
    public var count: Int
    public var data: [UInt8]

    public init(messageID: UInt64, index: Int, count: Int, data: [UInt8]) {
        self.messageID = messageID
        self.index = index
        self.count = count
        self.data = data
    }

    public static let frameKind = FrameKind.fragment

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(messageID)
        out.appendVarint(index)
        out.appendVarint(count)
        out.append(contentsOf: data)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> Fragment {
        let limits = reader.limits
        let messageID = try reader.readVarint("message id")
        let indexAt = reader.offset
        let index = try reader.readCount("fragment index", limit: limits.maxFragmentsPerMessage)
        let countAt = reader.offset
        let count = try reader.readCount("fragment count", limit: limits.maxFragmentsPerMessage)
        guard count > 0 else { throw WireError(.valueOutOfRange(0), at: countAt, field: "fragment count") }
        guard index < count else { throw WireError(.valueOutOfRange(UInt64(index)), at: indexAt, field: "fragment index") }
        let data = try reader.readRest("fragment data", limit: limits.maxFragmentBytes)
        return Fragment(messageID: messageID, index: index, count: count, data: data)
    }
}
