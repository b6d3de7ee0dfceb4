import Wire

/// The Raft messages of the wire catalogue.
public enum RaftMessage: Equatable, Sendable {
    case requestVote(RequestVote)
    case voteResponse(VoteResponse)
    case appendEntries(AppendEntries)
    case appendResponse(AppendResponse)
    case timeoutNow(TimeoutNow)

    public var term: UInt64 {
        switch self {
        case .requestVote(let m): m.term
        case .voteResponse(let m): m.term
        case .appendEntries(let m): m.term
        case .appendResponse(let m): m.term
        case .timeoutNow(let m): m.term
        }
    }
}

/// A Raft message with its sender and receiver (on the wire they are the datagram's).
public struct Envelope: Equatable, Sendable {
    public var from: NodeID
    public var to: NodeID
    public var message: RaftMessage

    public init(from: NodeID, to: NodeID, _ message: RaftMessage) {
        self.from = from
        self.to = to
        self.message = message
    }
}
