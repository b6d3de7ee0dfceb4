import Wire

/// Single-server membership changes: one at a time, in force from the moment their entry
/// is in the log (committed or not), undone if that entry is cut.
extension RaftNode {
    /// Proposes one change; only the leader takes it, and only when no other is pending.
    /// `record` (at most `Membership.maxRecordBytes`) rides in the change's entry, opaque.
    public mutating func changeMembership(_ change: MembershipChange, record: [UInt8]? = nil) -> ProposalOutcome {
        if storageHasFailed { return .dropped(.storageFailed) }
        guard role == .leader else { return .dropped(.notLeader) }
        guard transferee == nil else { return .dropped(.transferring) }
        guard membershipIndex <= commitIndex else { return .dropped(.changeInProgress) }
        guard let next = membership.applying(change), !next.voters.isEmpty,
              (record?.count ?? 0) <= Membership.maxRecordBytes else { return .dropped(.invalidChange) }
        let index = appendLocal(kind: .membership, payload: next.entryPayload(record: record))
        idleElapsed = 0
        broadcastAppend()
        maybeCommit()
        return .appended(index: index, term: term)
    }

    /// The newest membership entry at or before `index`, else the snapshot's.
    public func membership(asOf index: UInt64) -> Membership {
        for entry in log.entries.reversed() where entry.index <= index && entry.kind == .membership {
            if let m = try? Membership.decodeEntry(entry.payload).membership { return m }
        }
        return snapshotMembership
    }

    /// Finds the membership in force from the log.
    mutating func recomputeMembership() {
        for entry in log.entries.reversed() where entry.kind == .membership {
            if let m = try? Membership.decodeEntry(entry.payload).membership {
                membership = m
                membershipIndex = entry.index
                return
            }
        }
        membership = snapshotMembership
        membershipIndex = 0
    }

    /// The log's membership changed: recompute it and, as leader, track who to replicate to.
    mutating func membershipChanged() {
        recomputeMembership()
        guard role == .leader else { return }
        for peer in membership.members where peer != id && progress[peer] == nil {
            addProgress(peer)
        }
        for peer in progress.keys where !membership.contains(peer) {
            progress[peer] = nil
        }
        if transferee.map({ !membership.isVoter($0) }) == true { transferee = nil }
    }
}
