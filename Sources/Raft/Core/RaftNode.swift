import NetworkModel
import Wire

/// The Raft state machine of one node: pure, deterministic, and driven from outside.
///
/// Inputs: `tick()` (time), `step(_:)` (a received message), `propose(_:)`,
/// `changeMembership(_:)`, `transferLeadership(to:)`, `compact(through:data:)`,
/// `storageFailed()`. Effects accumulate and are taken with `takeReady()`; nothing here
/// touches a socket, a clock or a file.
public struct RaftNode: Sendable {
    public enum Role: Sendable, Equatable {
        case follower, preCandidate, candidate, leader
    }

    public let config: RaftConfig
    public var id: NodeID { config.id }
    public internal(set) var role: Role = .follower
    public internal(set) var term: UInt64
    public internal(set) var vote: NodeID?
    /// The leader this node currently hears from, if any.
    public internal(set) var leader: NodeID?
    public internal(set) var commitIndex: UInt64
    var log: RaftLog

    /// The membership in force: the newest membership entry in the log, else the snapshot's.
    public internal(set) var membership: Membership
    /// Index of the entry that set `membership` (0: it came from the snapshot or bootstrap).
    var membershipIndex: UInt64 = 0
    /// The membership as of the snapshot.
    var snapshotMembership: Membership
    /// The local snapshot as InstallSnapshot sends it (nil before the first compaction).
    var snapshotTransfer: [UInt8]?
    /// A snapshot being received: its position and the bytes so far.
    var incomingSnapshot: (position: LogPosition, bytes: [UInt8])?

    /// As a follower: the last index its log is known to share with the current leader's,
    /// from that leader's successful appends this term (0 after any change of leader).
    var matchedWithLeader: UInt64 = 0

    var votes: [NodeID: Bool] = [:]
    var progress: [NodeID: Progress] = [:]
    var electionElapsed = 0
    var heartbeatElapsed = 0
    /// On-demand mode: the leader of this term that retired (its retiring heartbeat came).
    /// Anything it sent before that may still arrive after it: a plain heartbeat would hand
    /// it its lease back, so it is not followed again in this term (its entries still count).
    var retiredLeader: (id: NodeID, term: UInt64)?
    /// A commit notice went out since the last tick (see `announceCommit`).
    var commitAnnouncedThisTick = false
    var randomizedElectionTimeout = 0
    var rng: SeededRandom
    /// On-demand mode: proposals held while campaigning.
    var held: [Proposal] = []
    /// On-demand mode: ticks since the leader's last proposal.
    var idleElapsed = 0
    var transferee: NodeID?
    /// Ticks since this node became leader.
    var leaderTicks = 0
    public internal(set) var storageHasFailed = false
    /// On-demand mode: while true the leader does not retire even when idle — the shell
    /// holds it while work it started still needs the log (e.g. a decision's outcome).
    public var retirementHeld = false

    // What the last Ready handed out.
    var readyHardState: HardState
    var readyApplied: UInt64
    var unstableFrom: UInt64?
    var outbox: [Envelope] = []
    var forwards: [ForwardedProposals] = []
    var dropped: [Proposal] = []
    var snapshotToInstall: Snapshot?

    /// A node starting from what its storage recovered. The shell loads `snapshot` into
    /// its state machine; `applied` is the last index the state machine already holds
    /// beyond it (0: replay every committed entry after the snapshot).
    public init(
        config: RaftConfig, hardState: HardState = HardState(), snapshot: Snapshot? = nil,
        entries: [Entry] = [], applied: UInt64 = 0
    ) {
        self.config = config
        let base = snapshot?.position ?? .zero
        self.log = RaftLog(snapshot: base, entries: entries)
        self.term = max(hardState.term, base.term)
        self.vote = hardState.vote
        // A cut tail may have taken entries the saved commit index covered; they were
        // never acknowledged as stored, so they cannot have been committed by us.
        self.commitIndex = max(min(hardState.commit, log.lastIndex), base.index)
        self.readyHardState = hardState
        self.readyApplied = min(max(applied, base.index), commitIndex)
        self.snapshotMembership = snapshot?.membership ?? Membership(voters: config.voters, learners: config.learners)
        self.membership = snapshotMembership
        self.snapshotTransfer = snapshot?.transferBytes()
        self.rng = ElectionRandomness.generator(seed: config.seed, id: config.id)
        recomputeMembership()
        resetElectionTimer()
    }

    public var lastIndex: UInt64 { log.lastIndex }
    public var lastTerm: UInt64 { log.lastTerm }
    /// The entries after the snapshot.
    public var entries: [Entry] { log.entries }
    /// Where the last snapshot ends.
    public var snapshotPosition: LogPosition { log.snapshot }
    /// Proposals held while campaigning (on-demand mode).
    public var heldProposals: [Proposal] { held }
    public var isVoter: Bool { membership.isVoter(id) }

    public var hardState: HardState { HardState(term: term, vote: vote, commit: commitIndex) }

    /// True when something waits in `takeReady()`.
    public var hasReady: Bool {
        !outbox.isEmpty || unstableFrom != nil || commitIndex > readyApplied || !forwards.isEmpty
            || !dropped.isEmpty || hardState != readyHardState || snapshotToInstall != nil
    }

    /// Everything to do since the last call; see `Ready` for the order to do it in.
    public mutating func takeReady() -> Ready {
        var ready = Ready()
        ready.snapshotToInstall = snapshotToInstall
        snapshotToInstall = nil
        if hardState != readyHardState {
            ready.hardState = hardState
            readyHardState = hardState
        }
        if let from = unstableFrom {
            ready.entriesToPersist = log.slice(from: max(from, log.firstIndex), through: log.lastIndex)
            unstableFrom = nil
        }
        ready.messages = outbox
        outbox = []
        if commitIndex > readyApplied {
            ready.committedEntries = log.slice(from: readyApplied + 1, through: commitIndex)
            readyApplied = commitIndex
        }
        ready.forwards = forwards
        forwards = []
        ready.droppedProposals = dropped
        dropped = []
        return ready
    }

    // MARK: - Inputs

    /// One unit of time.
    public mutating func tick() {
        guard !storageHasFailed else { return }
        if role == .leader {
            tickLeader()
        } else {
            tickElection()
        }
    }

    /// The node's disk failed: it stops voting and leading rather than acknowledge what
    /// it did not store.
    public mutating func storageFailed() {
        storageHasFailed = true
        if role != .follower {
            becomeFollower(term: term, leader: nil)
        }
        dropped += held
        held = []
    }

    public mutating func propose(_ proposal: Proposal) -> ProposalOutcome {
        if storageHasFailed { return .dropped(.storageFailed) }
        guard proposal.payload.count <= Entry.maxPayloadBytes else {
            return .dropped(.entryTooLarge(bytes: proposal.payload.count, limit: Entry.maxPayloadBytes))
        }
        if role == .leader {
            if transferee != nil { return .dropped(.transferring) }
            let index = appendLocal(kind: proposal.kind, payload: proposal.payload)
            idleElapsed = 0
            broadcastAppend()
            maybeCommit()
            return .appended(index: index, term: term)
        }
        if let leader { return .forward(to: leader) }
        switch config.mode {
        case .stable:
            return .dropped(config.canLead ? .noLeader : .cannotLead)
        case .onDemand:
            guard config.canLead, isVoter else { return .dropped(.cannotLead) }
            guard held.count < config.maxHeldProposals else { return .dropped(.tooManyHeld) }
            held.append(proposal)
            if role == .follower { campaign() }
            return .held
        }
    }

    public mutating func step(_ envelope: Envelope) {
        guard !storageHasFailed, envelope.to == id, envelope.from != id else { return }
        let from = envelope.from
        let message = envelope.message

        if message.term > term {
            switch message {
            case .requestVote(let request):
                // A node that hears from a live leader ignores campaigns (check-quorum's
                // lease), unless the leader itself asked for the transfer.
                let inLease = config.checkQuorum && leader != nil && electionElapsed < config.electionTicks
                if inLease && !request.leadershipTransfer { return }
                if !request.preVote { becomeFollower(term: message.term, leader: nil) }
            case .voteResponse(let response) where response.preVote && response.granted:
                // A granted pre-vote carries the term the candidate proposed, not a newer one.
                break
            case .appendEntries, .installSnapshot, .timeoutNow:
                becomeFollower(term: message.term, leader: from)
            default:
                becomeFollower(term: message.term, leader: nil)
            }
        } else if message.term < term {
            switch message {
            case .appendEntries(let append) where config.checkQuorum || config.preVote:
                // A stale leader cut off by pre-vote would otherwise never learn our term.
                send(to: from, .appendResponse(AppendResponse(term: term, success: false, index: append.prevLogIndex, handlingMicros: 0)))
            case .requestVote(let request) where request.preVote:
                send(to: from, .voteResponse(VoteResponse(term: term, granted: false, preVote: true, handlingMicros: 0)))
            default:
                break
            }
            return
        }

        if role == .leader { progress[from]?.recentActive = true }

        switch message {
        case .requestVote(let request):
            handleVoteRequest(from: from, request)
        case .voteResponse(let response):
            handleVoteResponse(from: from, response)
        case .appendEntries(let append):
            handleAppend(from: from, append)
        case .appendResponse(let response):
            handleAppendResponse(from: from, response)
        case .installSnapshot(let chunk):
            handleSnapshotChunk(from: from, chunk)
        case .snapshotResponse(let response):
            handleSnapshotResponse(from: from, response)
        case .timeoutNow:
            if config.canLead && isVoter && role != .leader {
                becomeCandidate(transfer: true)
            }
        }
    }

    mutating func send(to peer: NodeID, _ message: RaftMessage) {
        outbox.append(Envelope(from: id, to: peer, message))
    }
}
