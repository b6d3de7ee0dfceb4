/// One chunk of a snapshot sent to a follower that is behind the leader's compacted log.
///
/// Body: term, lastIncludedIndex, lastIncludedTerm (zigzag delta from term), byte offset
/// of this chunk, then the chunk's data to the end of the body. Flags: bit 0 last chunk.
public struct InstallSnapshot: FrameBody {
    /// Snapshots larger than this (1 TiB) are not offered.
    public static let maxOffset: UInt64 = 1 << 40

    public var term: UInt64
    public var lastIncludedIndex: UInt64
    public var lastIncludedTerm: UInt64
    public var offset: UInt64
    public var done: Bool
    public var data: [UInt8]

    public init(term: UInt64, lastIncludedIndex: UInt64, lastIncludedTerm: UInt64, offset: UInt64, done: Bool, data: [UInt8]) {
        self.term = term
        self.lastIncludedIndex = lastIncludedIndex
        self.lastIncludedTerm = lastIncludedTerm
        self.offset = offset
        self.done = done
        self.data = data
    }

    public static let frameKind = FrameKind.installSnapshot
    public static let allowedFlags: UInt8 = 0b001
    public var frameFlags: UInt8 { done ? 0b001 : 0 }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(term)
        out.appendVarint(lastIncludedIndex)
        out.appendVarint(zigzagDelta(from: term, to: lastIncludedTerm))
        out.appendVarint(offset)
        out.append(contentsOf: data)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> InstallSnapshot {
        let term = try reader.readTermOrIndex("term")
        let index = try reader.readTermOrIndex("last included index")
        let lastTerm = try reader.readDelta("last included term", from: term)
        let offset = try reader.readVarint("chunk offset", max: maxOffset)
        let data = try reader.readRest("chunk data", limit: reader.limits.maxSnapshotChunkBytes)
        return InstallSnapshot(
            term: term, lastIncludedIndex: index, lastIncludedTerm: lastTerm,
            offset: offset, done: flags & 0b001 != 0, data: data)
    }
}
