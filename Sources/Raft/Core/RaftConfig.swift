import Wire

/// How a node takes part in consensus. Times are in ticks; the shell decides how long a
/// tick is (e.g. 10 ms on a LAN, 100 ms on a cellular link).
public struct RaftConfig: Sendable, Equatable {
    public enum LeadershipMode: Sendable, Equatable {
        /// Standard Raft: a leader keeps its term with heartbeats.
        case stable
        /// The paper's: no leader while idle. A node holding a proposal with no live leader
        /// campaigns; a leader retires after `idleTicks` without proposals (0: as soon as
        /// everything it appended has committed).
        case onDemand(idleTicks: Int)
    }

    public var id: NodeID
    /// The voting members a new cluster starts with (later changes come through the log).
    public var voters: [NodeID]
    /// Members a new cluster starts with that replicate but never vote or lead.
    public var learners: [NodeID] = []
    /// A follower campaigns after a random timeout in [electionTicks, 2 × electionTicks).
    public var electionTicks: Int = 10
    public var heartbeatTicks: Int = 1
    public var preVote: Bool = true
    public var checkQuorum: Bool = true
    public var mode: LeadershipMode = .stable
    /// False for a weak node that votes and replicates but never campaigns.
    public var canLead: Bool = true
    public var maxEntriesPerAppend: Int = 64
    public var maxBytesPerAppend: Int = 64 * 1024
    /// Appends in flight to one follower in the replicate state.
    public var maxInflightAppends: Int = 16
    /// A follower in the replicate state that acknowledges nothing new for this many ticks
    /// while entries are outstanding is probed again: appends lost on the way are resent.
    public var appendRetryTicks: Int = 3
    /// Bytes of snapshot per InstallSnapshot chunk.
    public var snapshotChunkBytes: Int = 16 * 1024
    /// Largest snapshot a follower accepts.
    public var maxSnapshotBytes: Int = 64 * 1024 * 1024
    /// Compaction is due once this many applied entries, or this many payload bytes,
    /// sit in the log behind the last snapshot (see `RaftNode.compactionDue`).
    public var compactAfterEntries: Int = 10_000
    public var compactAfterBytes: Int = 4 * 1024 * 1024
    /// Proposals held at once while campaigning (on-demand mode).
    public var maxHeldProposals: Int = 256
    /// Seeds the randomized election timeout, so simulations replay exactly (nodes given
    /// the same seed still draw independent streams: the id is mixed in). nil, the
    /// default: each node seeds itself from the operating system's random source.
    public var seed: UInt64? = nil

    public init(id: NodeID, voters: [NodeID]) {
        self.id = id
        self.voters = voters.sorted()
    }
}
