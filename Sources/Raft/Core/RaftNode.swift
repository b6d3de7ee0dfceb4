import Wire

/// The Raft state machine of one node: pure, deterministic, and driven from outside.
///
/// Inputs: `tick()` (time), `step(_:)` (a received message), `propose(_:)`,
/// `transferLeadership(to:)`, `storageFailed()`. Effects accumulate and are taken with
/// `takeReady()`; nothing here touches a socket, a clock or a file.
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

    var votes: [NodeID: Bool] = [:]
    var progress: [NodeID: Progress] = [:]
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    var rng: SplitMix64
    /// On-demand mode: proposals held while campaigning.
    var held: [Proposal] = []
    /// On-demand mode: ticks since the leader's last proposal.
    var idleElapsed = 0
    var transferee: NodeID?
    /// Ticks since this node became leader.
    var leaderTicks = 0
    public internal(set) var storageHasFailed = false

    // What the last Ready handed out.
    var readyHardState: HardState
    var readyApplied: UInt64
    var unstableFrom: UInt64?
    var outbox: [Envelope] = []
    var forwards: [ForwardedProposals] = []
    var dropped: [Proposal] = []

    /// A node starting from what its storage recovered. `applied` is the last index the
    /// state machine already holds (0: replay everything committed).
    public init(config: RaftConfig, hardState: HardState = HardState(), entries: [Entry] = [], applied: UInt64 = 0) {
        self.config = config
        self.log = RaftLog(entries: entries)
        self.term = hardState.term
        self.vote = hardState.vote
        // A cut tail may have taken entries the saved commit index covered; they were
        // never acknowledged as stored, so they cannot have been committed by us.
        self.commitIndex = min(hardState.commit, log.lastIndex)
        self.readyHardState = hardState
        self.readyApplied = min(applied, commitIndex)
        self.rng = SplitMix64(seed: config.seed ^ UInt64(config.id) &* 0x9E37_79B9_7F4A_7C15)
        resetElectionTimer()
    }

    public var lastIndex: UInt64 { log.lastIndex }
    public var lastTerm: UInt64 { log.lastTerm }
    public var entries: [Entry] { log.entries }
    /// Proposals held while campaigning (on-demand mode).
    public var heldProposals: [Proposal] { held }

    /// True when nothing is pending: no message, entry or commit to hand out.
    public var hasReady: Bool {
        !outbox.isEmpty || unstableFrom != nil || commitIndex > readyApplied || !forwards.isEmpty
            || !dropped.isEmpty || hardState != readyHardState
    }

    public var hardState: HardState { HardState(term: term, vote: vote, commit: commitIndex) }

    /// Everything to do since the last call; see `Ready` for the order to do it in.
    public mutating func takeReady() -> Ready {
        var ready = Ready()
        if hardState != readyHardState {
            ready.hardState = hardState
            readyHardState = hardState
        }
        if let from = unstableFrom {
            ready.entriesToPersist = log.slice(from: from, through: log.lastIndex)
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
        if role == .leader || role == .candidate || role == .preCandidate {
            becomeFollower(term: term, leader: nil)
        }
        dropped += held
        held = []
    }

    public mutating func propose(_ proposal: Proposal) -> ProposalOutcome {
        if storageHasFailed { return .dropped(.storageFailed) }
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
            guard config.canLead, config.isVoter else { return .dropped(.cannotLead) }
            guard held.count < config.maxHeldProposals else { return .dropped(.tooManyHeld) }
            held.append(proposal)
            if role == .follower { campaign() }
            return .held
        }
    }

    /// Starts an election now (with a pre-vote round when configured).
    public mutating func campaign() {
        guard !storageHasFailed, config.canLead, config.isVoter, role != .leader else { return }
        if config.preVote {
            becomePreCandidate()
        } else {
            becomeCandidate(transfer: false)
        }
    }

    /// Hands leadership to `target` once its log is complete; proposals are refused meanwhile.
    public mutating func transferLeadership(to target: NodeID) {
        guard role == .leader, target != id, let pr = progress[target] else { return }
        transferee = target
        electionElapsed = 0
        if pr.match == log.lastIndex {
            send(to: target, .timeoutNow(TimeoutNow(term: term)))
        } else {
            sendAppend(to: target)
        }
    }

    public mutating func step(_ envelope: Envelope) {
        guard !storageHasFailed, envelope.to == id, envelope.from != id,
              config.voters.contains(envelope.from) else { return }
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
            case .appendEntries, .timeoutNow:
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
        case .timeoutNow:
            if config.canLead && config.isVoter && role != .leader {
                becomeCandidate(transfer: true)
            }
        }
    }

    // MARK: - Roles

    mutating func becomeFollower(term newTerm: UInt64, leader newLeader: NodeID?) {
        if newTerm > term {
            term = newTerm
            vote = nil
        }
        role = .follower
        leader = newLeader
        votes = [:]
        progress = [:]
        transferee = nil
        resetElectionTimer()
    }

    mutating func becomePreCandidate() {
        role = .preCandidate
        leader = nil
        votes = [id: true]
        resetElectionTimer()
        for peer in config.peers {
            send(to: peer, .requestVote(RequestVote(term: term + 1, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm, preVote: true)))
        }
        tallyVotes()
    }

    mutating func becomeCandidate(transfer: Bool) {
        term += 1
        vote = id
        role = .candidate
        leader = nil
        votes = [id: true]
        resetElectionTimer()
        for peer in config.peers {
            send(to: peer, .requestVote(RequestVote(
                term: term, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm, leadershipTransfer: transfer)))
        }
        tallyVotes()
    }

    mutating func becomeLeader() {
        role = .leader
        leader = id
        transferee = nil
        idleElapsed = 0
        heartbeatElapsed = 0
        electionElapsed = 0
        leaderTicks = 0
        progress = [:]
        for peer in config.peers {
            var pr = Progress(next: log.lastIndex + 1)
            pr.recentActive = true
            progress[peer] = pr
        }
        // A new term's first entry: committing it commits everything before it (§5.4.2).
        _ = appendLocal(kind: .noop, payload: [])
        for proposal in held {
            _ = appendLocal(kind: proposal.kind, payload: proposal.payload)
        }
        held = []
        broadcastAppend()
        maybeCommit()
    }

    mutating func resetElectionTimer() {
        electionElapsed = 0
        let spread = UInt64(max(config.electionTicks, 1))
        randomizedElectionTimeout = config.electionTicks + Int(rng.next() % spread)
    }

    // MARK: - Time

    mutating func tickElection() {
        electionElapsed += 1
        guard electionElapsed >= randomizedElectionTimeout else { return }
        resetElectionTimer()
        switch config.mode {
        case .stable:
            campaign()
        case .onDemand:
            // A whole timeout without a word from the leader: it is gone or retired.
            if role != .follower || leader != nil { becomeFollower(term: term, leader: nil) }
            if !held.isEmpty { campaign() }
        }
    }

    mutating func tickLeader() {
        leaderTicks += 1
        heartbeatElapsed += 1
        electionElapsed += 1
        idleElapsed += 1
        if electionElapsed >= config.electionTicks {
            electionElapsed = 0
            if config.checkQuorum {
                let active = config.voters.filter { $0 == id || progress[$0]?.recentActive == true }.count
                if active < config.quorum {
                    becomeFollower(term: term, leader: nil)
                    return
                }
                for peer in progress.keys { progress[peer]?.recentActive = false }
            }
            // A transfer that did not finish within an election timeout is abandoned.
            transferee = nil
        }
        if heartbeatElapsed >= config.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(retiring: false)
            retryStalledAppends()
        }
        maybeRetire()
    }

    /// Appends can be lost (the transport gives up, a follower restarts): a follower that
    /// has acknowledged nothing new for `appendRetryTicks` while entries are outstanding
    /// is probed again from its match index.
    mutating func retryStalledAppends() {
        for peer in config.peers {
            guard var pr = progress[peer], pr.match < log.lastIndex,
                  leaderTicks - pr.lastProgressTick >= config.appendRetryTicks else { continue }
            pr.becomeProbe()
            pr.lastProgressTick = leaderTicks
            progress[peer] = pr
            sendAppend(to: peer)
        }
    }

    /// On-demand mode: a leader with nothing left to commit and no proposal for its idle
    /// period tells its followers and steps down, so an idle cluster sends nothing.
    mutating func maybeRetire() {
        guard case .onDemand(let idleTicks) = config.mode, role == .leader, transferee == nil,
              commitIndex == log.lastIndex, idleElapsed >= idleTicks else { return }
        broadcastHeartbeat(retiring: true)
        becomeFollower(term: term, leader: nil)
    }

    // MARK: - Votes

    mutating func handleVoteRequest(from: NodeID, _ request: RequestVote) {
        let canVote = vote == from || (vote == nil && leader == nil) || (request.preVote && request.term > term)
        if canVote && config.isVoter && log.isUpToDate(lastIndex: request.lastLogIndex, lastTerm: request.lastLogTerm) {
            send(to: from, .voteResponse(VoteResponse(term: request.term, granted: true, preVote: request.preVote, handlingMicros: 0)))
            if !request.preVote {
                vote = from
                electionElapsed = 0
            }
        } else {
            send(to: from, .voteResponse(VoteResponse(term: term, granted: false, preVote: request.preVote, handlingMicros: 0)))
        }
    }

    mutating func handleVoteResponse(from: NodeID, _ response: VoteResponse) {
        let expected = (role == .preCandidate && response.preVote) || (role == .candidate && !response.preVote)
        guard expected, votes[from] == nil else { return }
        votes[from] = response.granted
        tallyVotes()
    }

    mutating func tallyVotes() {
        let granted = votes.values.filter { $0 }.count
        let rejected = votes.count - granted
        if granted >= config.quorum {
            if role == .preCandidate {
                becomeCandidate(transfer: false)
            } else if role == .candidate {
                becomeLeader()
            }
        } else if config.voters.count - rejected < config.quorum {
            becomeFollower(term: term, leader: nil)
        }
    }

    // MARK: - Replication

    mutating func appendLocal(kind: EntryKind, payload: [UInt8]) -> UInt64 {
        let index = log.lastIndex + 1
        log.append(Entry(index: index, term: term, kind: kind, payload: payload))
        markUnstable(from: index)
        return index
    }

    mutating func markUnstable(from index: UInt64) {
        unstableFrom = min(unstableFrom ?? index, index)
    }

    mutating func handleAppend(from: NodeID, _ append: AppendEntries) {
        if role != .follower || leader != from {
            becomeFollower(term: term, leader: from)
        }
        electionElapsed = 0
        if !held.isEmpty {
            forwards.append(ForwardedProposals(leader: from, proposals: held))
            held = []
        }
        defer {
            // The leader steps down after this message: its lease ends now.
            if append.retiring { leader = nil }
        }
        if append.prevLogIndex < commitIndex {
            send(to: from, .appendResponse(AppendResponse(term: term, success: true, index: commitIndex, handlingMicros: 0)))
            return
        }
        guard log.matches(index: append.prevLogIndex, term: append.prevLogTerm) else {
            let hintIndex = log.lastIndex(atOrBefore: append.prevLogIndex, withTermAtMost: append.prevLogTerm)
            let hint = ConflictHint(index: hintIndex, term: log.term(at: hintIndex) ?? 0)
            send(to: from, .appendResponse(AppendResponse(term: term, success: false, index: append.prevLogIndex, hint: hint, handlingMicros: 0)))
            return
        }
        let incoming = append.entries.enumerated().map { offset, e in
            Entry(index: append.prevLogIndex + 1 + UInt64(offset), term: e.term, kind: e.kind, payload: e.payload)
        }
        if let changed = log.merge(after: append.prevLogIndex, incoming) {
            markUnstable(from: changed)
        }
        let lastNew = append.prevLogIndex + UInt64(incoming.count)
        let newCommit = min(append.leaderCommit, lastNew)
        if newCommit > commitIndex { commitIndex = newCommit }
        send(to: from, .appendResponse(AppendResponse(term: term, success: true, index: lastNew, handlingMicros: 0)))
    }

    mutating func handleAppendResponse(from: NodeID, _ response: AppendResponse) {
        guard role == .leader, var pr = progress[from] else { return }
        if response.success {
            let moved = pr.acknowledge(response.index)
            if moved { pr.lastProgressTick = leaderTicks }
            if pr.state == .probe {
                // Any answer unblocks a probe; a moving one proves where the follower is.
                pr.probeSent = false
                if moved { pr.becomeReplicate() }
            }
            progress[from] = pr
            if moved { maybeCommit() }
            guard role == .leader else { return }
            if pr.match < log.lastIndex { sendAppend(to: from) }
            if transferee == from && pr.match == log.lastIndex {
                send(to: from, .timeoutNow(TimeoutNow(term: term)))
            }
        } else {
            let probeHint: UInt64
            if let hint = response.hint {
                probeHint = hint.term > 0 ? log.lastIndex(atOrBefore: hint.index, withTermAtMost: hint.term) : hint.index
            } else {
                probeHint = response.index > 0 ? response.index - 1 : 0
            }
            if pr.reject(response.index, probeHint: probeHint) {
                progress[from] = pr
                sendAppend(to: from)
            }
        }
    }

    mutating func sendAppend(to peer: NodeID) {
        guard var pr = progress[peer], !pr.isPaused(maxInflight: config.maxInflightAppends) else { return }
        let prev = pr.next - 1
        guard let prevTerm = log.term(at: prev) else {
            // Cannot happen: next never passes lastIndex + 1. Start over from what is known.
            pr.becomeProbe()
            progress[peer] = pr
            return
        }
        let batch = log.slice(from: pr.next, maxCount: config.maxEntriesPerAppend, maxBytes: config.maxBytesPerAppend)
        if batch.isEmpty && pr.state == .replicate { return }
        send(to: peer, .appendEntries(AppendEntries(
            term: term, prevLogIndex: prev, prevLogTerm: prevTerm, leaderCommit: commitIndex,
            entries: batch.map(\.wire))))
        pr.sent(lastIndex: prev + UInt64(batch.count), entries: batch.count)
        progress[peer] = pr
    }

    mutating func broadcastAppend() {
        for peer in config.peers { sendAppend(to: peer) }
    }

    /// Heartbeats prove leadership and carry the commit index, capped at what each
    /// follower is known to hold; they never carry entries.
    mutating func broadcastHeartbeat(retiring: Bool) {
        for peer in config.peers {
            guard let pr = progress[peer], let matchTerm = log.term(at: pr.match) else { continue }
            send(to: peer, .appendEntries(AppendEntries(
                term: term, prevLogIndex: pr.match, prevLogTerm: matchTerm,
                leaderCommit: min(commitIndex, pr.match), retiring: retiring)))
        }
    }

    /// Commits the highest index a majority holds, but only by counting entries of this
    /// term (Raft §5.4.2, figure 8).
    mutating func maybeCommit() {
        guard role == .leader else { return }
        let matches = config.voters.map { $0 == id ? log.lastIndex : progress[$0]?.match ?? 0 }
        let candidate = Quorum.committedIndex(matches)
        guard candidate > commitIndex, log.term(at: candidate) == term else { return }
        commitIndex = candidate
        maybeRetire()
    }

    mutating func send(to peer: NodeID, _ message: RaftMessage) {
        outbox.append(Envelope(from: id, to: peer, message))
    }
}
