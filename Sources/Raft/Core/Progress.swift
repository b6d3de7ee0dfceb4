/// The leader's view of one follower: what it has, what to send next, and how much may
/// be in flight (flow control, as etcd's probe and replicate states).
struct Progress: Equatable {
    enum State: Equatable {
        /// Unknown position: one append at a time until one succeeds.
        case probe
        /// Known position: appends are pipelined up to the in-flight window.
        case replicate
        /// Behind the leader's compacted log: receiving a snapshot, one chunk at a time.
        case snapshot
    }

    var match: UInt64 = 0
    var next: UInt64
    var state: State = .probe
    /// In probe, an append is out and unanswered; the next waits for an answer or a heartbeat.
    var probeSent = false
    /// Last index of each append in flight (replicate state).
    var inflight: [UInt64] = []
    /// Heard from since the last check-quorum round.
    var recentActive = false
    /// The leader's tick count when `match` last moved (or replication last restarted).
    var lastProgressTick = 0
    /// The highest commit index sent to it in any append.
    var commitSent: UInt64 = 0
    /// In the snapshot state: which snapshot, and the next byte to send.
    var snapshotIndex: UInt64 = 0
    var snapshotOffset: UInt64 = 0

    init(next: UInt64) {
        self.next = next
    }

    func isPaused(maxInflight: Int) -> Bool {
        switch state {
        case .probe, .snapshot: probeSent
        case .replicate: inflight.count >= maxInflight
        }
    }

    /// A success for `index`. Returns true when it moved `match` forward.
    mutating func acknowledge(_ index: UInt64) -> Bool {
        var moved = false
        if index > match {
            match = index
            probeSent = false
            moved = true
        }
        next = max(next, index + 1)
        inflight.removeAll { $0 <= index }
        return moved
    }

    /// A rejection of the append that followed `rejected`, with the follower's hint of
    /// where to probe next. Returns false for a stale rejection.
    mutating func reject(_ rejected: UInt64, probeHint: UInt64) -> Bool {
        if state == .snapshot { return false }
        if state == .replicate {
            // Rejections at or below what is known to match are stale (reordered).
            guard rejected > match else { return false }
            becomeProbe()
            next = max(min(rejected, probeHint + 1), match + 1)
            return true
        }
        // In probe, only the answer to the probe just sent counts.
        guard next >= 1, next - 1 == rejected else { return false }
        next = max(min(rejected, probeHint + 1), match + 1)
        probeSent = false
        return true
    }

    mutating func becomeProbe() {
        state = .probe
        next = match + 1
        probeSent = false
        inflight = []
    }

    mutating func becomeSnapshot(index: UInt64) {
        state = .snapshot
        snapshotIndex = index
        snapshotOffset = 0
        probeSent = false
        inflight = []
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match + 1
        inflight = []
    }

    mutating func sent(lastIndex: UInt64, entries: Int) {
        switch state {
        case .probe, .snapshot:
            probeSent = true
        case .replicate:
            if entries > 0 {
                next = lastIndex + 1
                inflight.append(lastIndex)
            }
        }
    }
}
