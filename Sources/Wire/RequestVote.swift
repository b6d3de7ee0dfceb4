/// A candidate asks for a vote (or, with `preVote`, whether it would get one).
///
/// Body: term, lastLogIndex, lastLogTerm as a zigzag delta from term.
/// Flags: bit 0 pre-vote, bit 1 leadership transfer (vote even while a leader is live).
public struct RequestVote: FrameBody {
    public var term: UInt64
    public var lastLogIndex: UInt64
    public var lastLogTerm: UInt64
    public var preVote: Bool
    public var leadershipTransfer: Bool

    public init(term: UInt64, lastLogIndex: UInt64, lastLogTerm: UInt64, preVote: Bool = false, leadershipTransfer: Bool = false) {
        self.term = term
        self.lastLogIndex = lastLogIndex
        self.lastLogTerm = lastLogTerm
        self.preVote = preVote
        self.leadershipTransfer = leadershipTransfer
    }

    public static let frameKind = FrameKind.requestVote
    public static let allowedFlags: UInt8 = 0b011
    public var frameFlags: UInt8 { (preVote ? 0b001 : 0) | (leadershipTransfer ? 0b010 : 0) }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(term)
        out.appendVarint(lastLogIndex)
        out.appendVarint(zigzagDelta(from: term, to: lastLogTerm))
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> RequestVote {
        let term = try reader.readTermOrIndex("term")
        let lastLogIndex = try reader.readTermOrIndex("last log index")
        let lastLogTerm = try reader.readDelta("last log term", from: term)
        return RequestVote(
            term: term, lastLogIndex: lastLogIndex, lastLogTerm: lastLogTerm,
            preVote: flags & 0b001 != 0, leadershipTransfer: flags & 0b010 != 0)
    }
}
