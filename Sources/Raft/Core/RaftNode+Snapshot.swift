import Wire

/// Snapshots: compacting the local log, sending a snapshot to a follower that is behind
/// it in resumable chunks, and installing one received.
extension RaftNode {
    /// Whether enough has been applied since the last snapshot to take a new one.
    public var compactionDue: Bool {
        let behind = readyApplied > log.snapshot.index ? readyApplied - log.snapshot.index : 0
        guard behind > 0 else { return false }
        return behind >= UInt64(config.compactAfterEntries) || log.payloadBytes(through: readyApplied) >= config.compactAfterBytes
    }

    /// Index through which the state machine has been handed entries.
    public var appliedIndex: UInt64 { readyApplied }

    /// Forgets the entries through `index`, which the shell's state machine has applied
    /// and serialized as `data`. Returns the snapshot for the shell to store durably
    /// (then compact its log on disk), or nil if `index` is not applied or already compacted.
    public mutating func compact(through index: UInt64, data: [UInt8]) -> Snapshot? {
        guard index > log.snapshot.index, index <= readyApplied, let indexTerm = log.term(at: index) else { return nil }
        let snapshot = Snapshot(position: LogPosition(index: index, term: indexTerm), membership: membership(asOf: index), data: data)
        log.compact(through: snapshot.position)
        snapshotMembership = snapshot.membership
        if membershipIndex <= index { membershipIndex = 0 }
        snapshotTransfer = snapshot.transferBytes()
        return snapshot
    }

    mutating func startSnapshot(to peer: NodeID) {
        guard snapshotTransfer != nil, var pr = progress[peer] else { return }
        pr.becomeSnapshot(index: log.snapshot.index)
        pr.lastProgressTick = leaderTicks
        progress[peer] = pr
        sendSnapshotChunk(to: peer)
    }

    mutating func sendSnapshotChunk(to peer: NodeID) {
        guard var pr = progress[peer], pr.state == .snapshot, let blob = snapshotTransfer else { return }
        if pr.snapshotIndex != log.snapshot.index {
            // Compacted again meanwhile: send the newer snapshot from its start.
            pr.becomeSnapshot(index: log.snapshot.index)
        }
        let start = Int(min(pr.snapshotOffset, UInt64(blob.count)))
        let end = min(start + max(config.snapshotChunkBytes, 1), blob.count)
        send(to: peer, .installSnapshot(InstallSnapshot(
            term: term, lastIncludedIndex: log.snapshot.index, lastIncludedTerm: log.snapshot.term,
            offset: UInt64(start), done: end == blob.count, data: Array(blob[start..<end]))))
        pr.probeSent = true
        progress[peer] = pr
    }

    mutating func handleSnapshotResponse(from: NodeID, _ response: SnapshotResponse) {
        guard role == .leader, var pr = progress[from], pr.state == .snapshot,
              response.lastIncludedIndex == pr.snapshotIndex else { return }
        pr.probeSent = false
        pr.lastProgressTick = leaderTicks
        if response.installed {
            pr.match = max(pr.match, pr.snapshotIndex)
            pr.becomeProbe()
            // Installed: its position is known, so replication pipelines at once (unless
            // the log was compacted past it meanwhile, and the next append finds out).
            if pr.match + 1 >= log.firstIndex { pr.becomeReplicate() }
            progress[from] = pr
            maybeCommit()
            sendAppend(to: from)
        } else {
            pr.snapshotOffset = min(response.nextOffset, UInt64(snapshotTransfer?.count ?? 0))
            progress[from] = pr
            sendSnapshotChunk(to: from)
        }
    }

    mutating func handleSnapshotChunk(from: NodeID, _ chunk: InstallSnapshot) {
        followLeader(from)
        let position = LogPosition(index: chunk.lastIncludedIndex, term: chunk.lastIncludedTerm)
        func reply(_ next: Int, installed: Bool) {
            send(to: from, .snapshotResponse(SnapshotResponse(
                term: term, lastIncludedIndex: position.index, nextOffset: UInt64(next), installed: installed, handlingMicros: 0)))
        }
        if position.index <= commitIndex {
            // Everything in it is committed here already.
            reply(0, installed: true)
            return
        }
        if incomingSnapshot?.position != position {
            guard chunk.offset == 0 else {
                reply(0, installed: false)
                return
            }
            incomingSnapshot = (position, [])
        }
        // Taken out while it grows, so that its buffer has one owner and a chunk is
        // appended in place: copying the partial snapshot per chunk made a transfer
        // quadratic (a 64 MiB snapshot in 16 KiB chunks copied about 128 GiB).
        guard var incoming = incomingSnapshot.take() else { return }
        let received = UInt64(incoming.bytes.count)
        if chunk.offset == received {
            guard incoming.bytes.count + chunk.data.count <= config.maxSnapshotBytes else {
                reply(0, installed: false)
                return
            }
            incoming.bytes.append(contentsOf: chunk.data)
        } else if chunk.offset > received {
            // A gap: ask for what is missing.
            incomingSnapshot = incoming
            reply(Int(received), installed: false)
            return
        }
        let total = incoming.bytes.count
        // Here chunk.offset ≤ what was received before it, so nothing below can overflow.
        guard chunk.done, UInt64(total) - chunk.offset == UInt64(chunk.data.count) else {
            incomingSnapshot = incoming
            reply(total, installed: false)
            return
        }
        guard let snapshot = try? Snapshot.fromTransfer(incoming.bytes, position: position) else {
            reply(0, installed: false)
            return
        }
        install(snapshot, transfer: incoming.bytes)
        reply(total, installed: true)
    }

    mutating func install(_ snapshot: Snapshot, transfer: [UInt8]) {
        log.restore(snapshot.position)
        snapshotMembership = snapshot.membership
        snapshotTransfer = transfer
        membershipIndex = 0
        recomputeMembership()
        commitIndex = max(commitIndex, snapshot.position.index)
        readyApplied = snapshot.position.index
        // The entries kept after the snapshot are written again behind its compaction mark.
        unstableFrom = snapshot.position.index + 1
        snapshotToInstall = snapshot
    }
}
