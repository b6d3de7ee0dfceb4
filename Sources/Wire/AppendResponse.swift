/// Where a follower's log diverges, so the leader can skip back a whole term at once.
public struct ConflictHint: Equatable, Sendable {
    /// The index the leader should probe next.
    public var index: UInt64
    /// The term of the follower's entry at `index` (0 if it has none).
    public var term: UInt64

    public init(index: UInt64, term: UInt64) {
        self.index = index
        self.term = term
    }
}

/// A follower's answer to AppendEntries (heartbeats included).
///
/// Body: term, index, [hint index (zigzag delta from index), hint term], handling time (µs),
/// [workload report]. Flags: bit 0 success, bit 1 hint present (only on rejection),
/// bit 2 report present.
public struct AppendResponse: FrameBody {
    public var term: UInt64
    public var success: Bool
    /// On success the follower's match index; on rejection the prevLogIndex it rejected.
    public var index: UInt64
    public var hint: ConflictHint?
    public var handlingMicros: UInt64
    public var report: WorkloadReport?

    public init(
        term: UInt64, success: Bool, index: UInt64, hint: ConflictHint? = nil,
        handlingMicros: UInt64, report: WorkloadReport? = nil
    ) {
        self.term = term
        self.success = success
        self.index = index
        self.hint = hint
        self.handlingMicros = handlingMicros
        self.report = report
    }

    public static let frameKind = FrameKind.appendResponse
    public static let allowedFlags: UInt8 = 0b111
    public var frameFlags: UInt8 {
        (success ? 0b001 : 0) | (hint != nil ? 0b010 : 0) | (report != nil ? 0b100 : 0)
    }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(term)
        out.appendVarint(index)
        if let hint {
            out.appendVarint(zigzagDelta(from: index, to: hint.index))
            out.appendVarint(hint.term)
        }
        out.appendVarint(handlingMicros)
        report?.encode(into: &out)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> AppendResponse {
        if flags & 0b011 == 0b011 {
            throw WireError(.badFlags(flags), at: reader.offset, field: "frame flags")
        }
        let term = try reader.readTermOrIndex("term")
        let index = try reader.readTermOrIndex("index")
        var hint: ConflictHint?
        if flags & 0b010 != 0 {
            let hintIndex = try reader.readDelta("hint index", from: index)
            hint = ConflictHint(index: hintIndex, term: try reader.readTermOrIndex("hint term"))
        }
        let handling = try reader.readVarint("handling time")
        let report = flags & 0b100 != 0 ? try WorkloadReport.decode(from: &reader) : nil
        return AppendResponse(
            term: term, success: flags & 0b001 != 0, index: index, hint: hint,
            handlingMicros: handling, report: report)
    }
}
