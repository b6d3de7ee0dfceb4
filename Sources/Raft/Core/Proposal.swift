import Wire

/// Something a node asks the cluster to append to the log.
public struct Proposal: Equatable, Sendable {
    /// The caller's own reference, handed back with every outcome.
    public var tag: UInt64
    public var kind: EntryKind
    public var payload: [UInt8]

    public init(tag: UInt64, kind: EntryKind, payload: [UInt8]) {
        self.tag = tag
        self.kind = kind
        self.payload = payload
    }
}

/// What became of a proposal at once.
public enum ProposalOutcome: Equatable, Sendable {
    /// Appended to this leader's log at `index`; it commits when a majority stores it.
    case appended(index: UInt64, term: UInt64)
    /// A live leader is known: send the proposal there.
    case forward(to: NodeID)
    /// On-demand mode, no live leader: held while this node campaigns. It is appended if
    /// the campaign wins, or handed back in `Ready.forwards` when another leader appears.
    case held
    /// Not accepted; the reason says why.
    case dropped(DropReason)
}

public enum DropReason: Equatable, Sendable {
    /// Stable mode and no leader is known yet.
    case noLeader
    /// This node may not lead and knows no leader.
    case cannotLead
    /// Leadership is being transferred away from this node.
    case transferring
    /// The node's storage failed; it takes no more work.
    case storageFailed
    /// Too many proposals are already held.
    case tooManyHeld
    /// A membership change is still uncommitted; changes go one at a time.
    case changeInProgress
    /// Membership changes are made on the leader.
    case notLeader
    /// The change would change nothing, or leave no voter.
    case invalidChange
    /// The payload is over the entry-size limit (`Entry.maxPayloadBytes`): no follower
    /// would take the entry, and replication would stop behind it.
    case entryTooLarge(bytes: Int, limit: Int)
}

/// Proposals held during a campaign that another node won: forward them to it.
public struct ForwardedProposals: Equatable, Sendable {
    public var leader: NodeID
    public var proposals: [Proposal]
}
