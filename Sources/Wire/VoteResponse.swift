/// A voter's answer, always with its term and handling time, and — whether or not it
/// grants — its workload report when it has a fresh one.
///
/// Body: term, handling time (µs), [workload report].
/// Flags: bit 0 granted, bit 1 answers a pre-vote, bit 2 report present.
public struct VoteResponse: FrameBody {
    public var term: UInt64
    public var granted: Bool
    public var preVote: Bool
    public var handlingMicros: UInt64
    public var report: WorkloadReport?

    public init(term: UInt64, granted: Bool, preVote: Bool = false, handlingMicros: UInt64, report: WorkloadReport? = nil) {
        self.term = term
        self.granted = granted
        self.preVote = preVote
        self.handlingMicros = handlingMicros
        self.report = report
    }

    public static let frameKind = FrameKind.voteResponse
    public static let allowedFlags: UInt8 = 0b111
    public var frameFlags: UInt8 {
        (granted ? 0b001 : 0) | (preVote ? 0b010 : 0) | (report != nil ? 0b100 : 0)
    }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(term)
        out.appendVarint(handlingMicros)
        report?.encode(into: &out)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> VoteResponse {
        let term = try reader.readTermOrIndex("term")
        let handling = try reader.readVarint("handling time")
        let report = flags & 0b100 != 0 ? try WorkloadReport.decode(from: &reader) : nil
        return VoteResponse(
            term: term, granted: flags & 0b001 != 0, preVote: flags & 0b010 != 0,
            handlingMicros: handling, report: report)
    }
}
