import Wire

/// Elections: roles, timers, votes, check-quorum, leadership transfer and the on-demand
/// leader's retirement.
extension RaftNode {
    /// Starts an election now (with a pre-vote round when configured).
    public mutating func campaign() {
        guard !storageHasFailed, config.canLead, isVoter, role != .leader else { return }
        if config.preVote {
            becomePreCandidate()
        } else {
            becomeCandidate(transfer: false)
        }
    }

    /// Hands leadership to `target` once its log is complete; proposals are refused meanwhile.
    public mutating func transferLeadership(to target: NodeID) {
        guard role == .leader, target != id, membership.isVoter(target), let pr = progress[target] else { return }
        // Asked again for the transfer under way: it keeps its deadline.
        if transferee == target { return }
        transferee = target
        electionElapsed = 0
        if pr.match == log.lastIndex {
            send(to: target, .timeoutNow(TimeoutNow(term: term)))
        } else {
            sendAppend(to: target)
        }
    }

    var votingPeers: [NodeID] { membership.voters.filter { $0 != id } }

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
        matchedWithLeader = 0
        resetElectionTimer()
    }

    mutating func becomePreCandidate() {
        role = .preCandidate
        leader = nil
        votes = [id: true]
        resetElectionTimer()
        for peer in votingPeers {
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
        for peer in votingPeers {
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
        for peer in membership.members where peer != id {
            // Votes do not count as activity: a peer must answer this term's leader, or
            // a leader cut off right after its election would lead for two timeouts.
            addProgress(peer, recentlyActive: false)
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

    /// A member joining mid-term counts as active until the next check-quorum round, so
    /// that adding it cannot make the leader step down before it was even contacted.
    mutating func addProgress(_ peer: NodeID, recentlyActive: Bool = true) {
        var pr = Progress(next: log.lastIndex + 1)
        pr.recentActive = recentlyActive
        pr.lastProgressTick = leaderTicks
        progress[peer] = pr
    }

    mutating func resetElectionTimer() {
        electionElapsed = 0
        let spread = UInt64(max(config.electionTicks, 1))
        randomizedElectionTimeout = config.electionTicks + Int(rng.next() % spread)
    }

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
        commitAnnouncedThisTick = false
        electionElapsed += 1
        idleElapsed += 1
        if electionElapsed >= config.electionTicks {
            electionElapsed = 0
            if config.checkQuorum {
                let active = membership.voters.filter { $0 == id || progress[$0]?.recentActive == true }.count
                if active < membership.quorum {
                    becomeFollower(term: term, leader: nil)
                    return
                }
                for peer in progress.keys { progress[peer]?.recentActive = false }
            }
            // A transfer that did not finish within an election timeout is abandoned.
            transferee = nil
        }
        // Retire before this tick's heartbeat: a plain heartbeat sent beside the retiring
        // one could arrive after it (Transport does not order unreliable messages with
        // reliable ones) and give the followers their lease back.
        maybeRetire()
        guard role == .leader else { return }
        if heartbeatElapsed >= config.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(retiring: false)
            retryStalledReplication()
        }
    }

    /// On-demand mode: a leader with nothing left to commit and no proposal for its idle
    /// period tells its followers and steps down, so an idle cluster sends nothing.
    mutating func maybeRetire() {
        guard case .onDemand(let idleTicks) = config.mode, role == .leader, transferee == nil, !retirementHeld,
              commitIndex == log.lastIndex, idleElapsed >= idleTicks,
              progress.values.allSatisfy({ $0.state != .snapshot }) else { return }
        broadcastHeartbeat(retiring: true)
        becomeFollower(term: term, leader: nil)
    }

    mutating func handleVoteRequest(from: NodeID, _ request: RequestVote) {
        // The candidate's membership decides who votes: a learner whose promotion has not
        // reached it yet still answers, on the log rule alone (Raft thesis §4.1).
        let canVote = vote == from || (vote == nil && leader == nil) || (request.preVote && request.term > term)
        if canVote && log.isUpToDate(lastIndex: request.lastLogIndex, lastTerm: request.lastLogTerm) {
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
        guard expected, membership.isVoter(from), votes[from] == nil else { return }
        votes[from] = response.granted
        tallyVotes()
    }

    mutating func tallyVotes() {
        let granted = votes.values.filter { $0 }.count
        let rejected = votes.count - granted
        if granted >= membership.quorum {
            if role == .preCandidate {
                becomeCandidate(transfer: false)
            } else if role == .candidate {
                becomeLeader()
            }
        } else if membership.voters.count - rejected < membership.quorum {
            becomeFollower(term: term, leader: nil)
        }
    }
}
