import Wire

/// Log replication: appends, responses, flow control and the commit rule.
extension RaftNode {
    mutating func appendLocal(kind: EntryKind, payload: [UInt8]) -> UInt64 {
        let index = log.lastIndex + 1
        log.append(Entry(index: index, term: term, kind: kind, payload: payload))
        markUnstable(from: index)
        if kind == .membership { membershipChanged() }
        return index
    }

    mutating func markUnstable(from index: UInt64) {
        unstableFrom = min(unstableFrom ?? index, index)
    }

    /// A message from the leader of this term: follow it, and hand it what we held.
    mutating func followLeader(_ from: NodeID) {
        if role != .follower || leader != from {
            becomeFollower(term: term, leader: from)
        }
        electionElapsed = 0
        if !held.isEmpty {
            forwards.append(ForwardedProposals(leader: from, proposals: held))
            held = []
        }
    }

    mutating func handleAppend(from: NodeID, _ append: AppendEntries) {
        // What the retired leader sent before retiring may arrive after it: its entries
        // still count (they may be all this node lacks, and an idle cluster sends no more),
        // but it is not followed again — no lease, no proposals handed to it.
        let fromRetired = retiredLeader.map { $0.id == from && $0.term == term } ?? false
        if !fromRetired { followLeader(from) }
        defer {
            // The leader steps down after this message: its lease ends now.
            if append.retiring {
                leader = nil
                retiredLeader = (from, term)
            }
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
            if changed <= membershipIndex || incoming.contains(where: { $0.kind == .membership && $0.index >= changed }) {
                membershipChanged()
            }
        }
        let lastNew = append.prevLogIndex + UInt64(incoming.count)
        matchedWithLeader = max(matchedWithLeader, lastNew)
        // Everything through `matched` is the leader's own log: its commit index may be
        // taken that far, even from a heartbeat checked at an older (stale) match.
        let matched = min(matchedWithLeader, log.lastIndex)
        let newCommit = min(append.leaderCommit, matched)
        if newCommit > commitIndex { commitIndex = newCommit }
        // Reporting `matched` rather than `lastNew` repairs an acknowledgement that was lost.
        send(to: from, .appendResponse(AppendResponse(term: term, success: true, index: matched, handlingMicros: 0)))
    }

    mutating func handleAppendResponse(from: NodeID, _ response: AppendResponse) {
        guard role == .leader, var pr = progress[from], pr.state != .snapshot else { return }
        if response.success {
            let moved = pr.acknowledge(response.index)
            if moved { pr.lastProgressTick = leaderTicks }
            if pr.state == .probe {
                // Any answer unblocks a probe; a success at or past the match proves where
                // the follower is, even when it had everything already (etcd does the same).
                pr.probeSent = false
                if moved || response.index == pr.match { pr.becomeReplicate() }
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
        guard var pr = progress[peer], pr.state != .snapshot, !pr.isPaused(maxInflight: config.maxInflightAppends) else { return }
        if pr.next <= log.snapshot.index {
            // The entries it needs were compacted away: send the snapshot instead.
            startSnapshot(to: peer)
            return
        }
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
        pr.commitSent = max(pr.commitSent, commitIndex)
        progress[peer] = pr
    }

    mutating func broadcastAppend() {
        for peer in progress.keys.sorted() { sendAppend(to: peer) }
    }

    /// Heartbeats prove leadership and carry the commit index; they never carry entries.
    /// The follower takes the commit index only as far as its log is known to match
    /// this leader's (`matchedWithLeader`), so it is not capped here: a follower whose
    /// acknowledgement was lost still learns it at the next heartbeat.
    mutating func broadcastHeartbeat(retiring: Bool) {
        for peer in progress.keys.sorted() { sendHeartbeat(to: peer, retiring: retiring) }
    }

    mutating func sendHeartbeat(to peer: NodeID, retiring: Bool) {
        guard var pr = progress[peer] else { return }
        // A follower behind the snapshot gets the empty prefix, which always matches.
        let matchTerm = log.term(at: pr.match)
        let prev = matchTerm == nil ? 0 : pr.match
        send(to: peer, .appendEntries(AppendEntries(
            term: term, prevLogIndex: prev, prevLogTerm: matchTerm ?? 0,
            leaderCommit: commitIndex, retiring: retiring)))
        pr.commitSent = max(pr.commitSent, commitIndex)
        progress[peer] = pr
    }

    /// The shell knows which followers wait for a commit to act on it (the node chosen
    /// for a decision, the gateway that waits for its outcome): those not yet told the
    /// leader's commit index get a heartbeat now rather than at the next tick.
    public mutating func notifyCommit(to peers: [NodeID]) {
        guard role == .leader, !storageHasFailed else { return }
        for peer in Set(peers).sorted() {
            // Only what the follower holds can commit there.
            guard let pr = progress[peer], pr.commitSent < min(commitIndex, pr.match) else { continue }
            sendHeartbeat(to: peer, retiring: false)
        }
    }

    /// Appends and snapshot chunks can be lost (the transport gives up, a follower
    /// restarts): a follower that has acknowledged nothing new for `appendRetryTicks`
    /// while work is outstanding is sent it again.
    mutating func retryStalledReplication() {
        for peer in progress.keys.sorted() {
            guard var pr = progress[peer], leaderTicks - pr.lastProgressTick >= config.appendRetryTicks else { continue }
            switch pr.state {
            case .replicate where pr.match < log.lastIndex:
                pr.becomeProbe()
                pr.lastProgressTick = leaderTicks
                progress[peer] = pr
                sendAppend(to: peer)
            case .snapshot:
                pr.probeSent = false
                pr.lastProgressTick = leaderTicks
                progress[peer] = pr
                sendSnapshotChunk(to: peer)
            default:
                break
            }
        }
    }

    /// Commits the highest index a majority of voters holds, but only by counting entries
    /// of this term (Raft §5.4.2, figure 8).
    mutating func maybeCommit() {
        guard role == .leader else { return }
        let matches = membership.voters.map { $0 == id ? log.lastIndex : progress[$0]?.match ?? 0 }
        let candidate = Quorum.committedIndex(matches)
        guard candidate > commitIndex, log.term(at: candidate) == term else { return }
        commitIndex = candidate
        // A leader that removed itself leads until the removal commits, then steps down.
        if !membership.isVoter(id) && commitIndex >= membershipIndex {
            broadcastHeartbeat(retiring: true)
            becomeFollower(term: term, leader: nil)
            return
        }
        maybeRetire()
        if role == .leader { announceCommit() }
    }

    /// Followers learn a new commit index from the next heartbeat; waiting for the tick
    /// would add up to a tick to every decision (twice: the chosen node applies the
    /// decision, the gateway the outcome). So the heartbeat goes now and stands in for the
    /// next tick's, which costs nothing on the wire: one heartbeat per tick at most, a
    /// second commit in the same tick waits for the tick.
    mutating func announceCommit() {
        if commitAnnouncedThisTick {
            heartbeatElapsed = max(heartbeatElapsed, config.heartbeatTicks - 1)
            return
        }
        commitAnnouncedThisTick = true
        broadcastHeartbeat(retiring: false)
        // Sent between ticks, it counts as the next tick's heartbeat.
        heartbeatElapsed = -1
    }
}
