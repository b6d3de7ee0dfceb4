import Wire

/// The Raft messages of the wire catalogue.
public enum RaftMessage: Equatable, Sendable {
    case requestVote(RequestVote)
    case voteResponse(VoteResponse)
    case appendEntries(AppendEntries)
    case appendResponse(AppendResponse)
    case installSnapshot(InstallSnapshot)
    case snapshotResponse(SnapshotResponse)
    case timeoutNow(TimeoutNow)

    public var term: UInt64 {
        switch self {
        case .requestVote(let m): m.term
        case .voteResponse(let m): m.term
        case .appendEntries(let m): m.term
        case .appendResponse(let m): m.term
        case .installSnapshot(let m): m.term
        case .snapshotResponse(let m): m.term
        case .timeoutNow(let m): m.term
        }
    }

    /// The same message as the wire catalogue has it.
    public var wire: Message {
        switch self {
        case .requestVote(let m): .requestVote(m)
        case .voteResponse(let m): .voteResponse(m)
        case .appendEntries(let m): .appendEntries(m)
        case .appendResponse(let m): .appendResponse(m)
        case .installSnapshot(let m): .installSnapshot(m)
        case .snapshotResponse(let m): .snapshotResponse(m)
        case .timeoutNow(let m): .timeoutNow(m)
        }
    }

    /// The Raft message a wire message carries, if it is one.
    public init?(_ message: Message) {
        switch message {
        case .requestVote(let m): self = .requestVote(m)
        case .voteResponse(let m): self = .voteResponse(m)
        case .appendEntries(let m): self = .appendEntries(m)
        case .appendResponse(let m): self = .appendResponse(m)
        case .installSnapshot(let m): self = .installSnapshot(m)
        case .snapshotResponse(let m): self = .snapshotResponse(m)
        case .timeoutNow(let m): self = .timeoutNow(m)
        default: return nil
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
