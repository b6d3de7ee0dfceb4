/// The leader replicates entries, or with no entries asserts its leadership (heartbeat).
///
/// Body: term, prevLogIndex, prevLogTerm (zigzag delta from term), leaderCommit (zigzag
/// delta from prevLogIndex), then — only if there are entries — the entry batch, which
/// runs to the end of the body. Flags: bit 0 the batch is deflated; bit 1 the leader
/// retires after this message (on-demand mode), so followers need not wait out its lease.
public struct AppendEntries: FrameBody {
    public var term: UInt64
    public var prevLogIndex: UInt64
    public var prevLogTerm: UInt64
    public var leaderCommit: UInt64
    public var entries: [LogEntry]
    public var retiring: Bool

    public init(
        term: UInt64, prevLogIndex: UInt64, prevLogTerm: UInt64, leaderCommit: UInt64,
        entries: [LogEntry] = [], retiring: Bool = false
    ) {
        self.term = term
        self.prevLogIndex = prevLogIndex
        self.prevLogTerm = prevLogTerm
        self.leaderCommit = leaderCommit
        self.entries = entries
        self.retiring = retiring
    }

    public var isHeartbeat: Bool { entries.isEmpty }

    public static let frameKind = FrameKind.appendEntries
    public static let allowedFlags: UInt8 = compressedFlag | retiringFlag
    static let compressedFlag: UInt8 = 0b001
    static let retiringFlag: UInt8 = 0b010
    public var frameFlags: UInt8 { retiring ? Self.retiringFlag : 0 }

    public func encodeBody(into out: inout [UInt8]) {
        encodeHead(into: &out)
        if !entries.isEmpty {
            EntryBatch.encode(entries, term: term, into: &out)
        }
    }

    /// Appends this message as a frame, deflating the batch where `compression` says it pays.
    public func encodeFrame(into out: inout [UInt8], last: Bool = true, compression: BatchCompression) {
        guard !entries.isEmpty else {
            encodeFrame(into: &out, last: last)
            return
        }
        var raw: [UInt8] = []
        EntryBatch.encode(entries, term: term, into: &raw)
        guard let packed = EntryBatch.compressed(raw, policy: compression) else {
            encodeFrame(into: &out, last: last)
            return
        }
        out.append(FrameTypeByte.make(kind: Self.frameKind, flags: frameFlags | Self.compressedFlag, last: last))
        let write = { (body: inout [UInt8]) in
            encodeHead(into: &body)
            body.append(contentsOf: packed)
        }
        if last { write(&out) } else { out.appendLengthPrefixedBody(write) }
    }

    private func encodeHead(into out: inout [UInt8]) {
        out.appendVarint(term)
        out.appendVarint(prevLogIndex)
        out.appendVarint(zigzagDelta(from: term, to: prevLogTerm))
        out.appendVarint(zigzagDelta(from: prevLogIndex, to: leaderCommit))
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> AppendEntries {
        let flagsAt = reader.offset
        let term = try reader.readTermOrIndex("term")
        let prevLogIndex = try reader.readTermOrIndex("prev log index")
        let prevLogTerm = try reader.readDelta("prev log term", from: term)
        let leaderCommit = try reader.readDelta("leader commit", from: prevLogIndex)
        var entries: [LogEntry] = []
        if flags & compressedFlag != 0 {
            // A compressed flag on a heartbeat has nothing to describe.
            guard !reader.isAtEnd else { throw WireError(.badFlags(flags), at: flagsAt, field: "frame flags") }
            entries = try EntryBatch.decodeCompressed(from: &reader, term: term, prevLogIndex: prevLogIndex)
        } else if !reader.isAtEnd {
            entries = try EntryBatch.decode(from: &reader, term: term, prevLogIndex: prevLogIndex)
        }
        return AppendEntries(
            term: term, prevLogIndex: prevLogIndex, prevLogTerm: prevLogTerm,
            leaderCommit: leaderCommit, entries: entries, retiring: flags & retiringFlag != 0)
    }
}
