/// A follower's answer to a snapshot chunk: how far it has stored, so a transfer that was
/// cut off resumes there instead of starting over.
///
/// Body: term, lastIncludedIndex (which snapshot), next offset wanted, handling time (µs).
/// Flags: bit 0 the snapshot is complete and installed.
public struct SnapshotResponse: FrameBody {
    public var term: UInt64
    public var lastIncludedIndex: UInt64
    public var nextOffset: UInt64
    public var installed: Bool
    public var handlingMicros: UInt64

    public init(term: UInt64, lastIncludedIndex: UInt64, nextOffset: UInt64, installed: Bool, handlingMicros: UInt64) {
        self.term = term
        self.lastIncludedIndex = lastIncludedIndex
        self.nextOffset = nextOffset
        self.installed = installed
        self.handlingMicros = handlingMicros
    }

    public static let frameKind = FrameKind.snapshotResponse
    public static let allowedFlags: UInt8 = 0b001
    public var frameFlags: UInt8 { installed ? 0b001 : 0 }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(term)
        out.appendVarint(lastIncludedIndex)
        out.appendVarint(nextOffset)
        out.appendVarint(handlingMicros)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> SnapshotResponse {
        SnapshotResponse(
            term: try reader.readTermOrIndex("term"),
            lastIncludedIndex: try reader.readTermOrIndex("last included index"),
            nextOffset: try reader.readVarint("next offset", max: InstallSnapshot.maxOffset),
            installed: flags & 0b001 != 0,
            handlingMicros: try reader.readVarint("handling time"))
    }
}
