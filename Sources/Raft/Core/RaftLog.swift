/// The node's log in memory: the position of the last snapshot, then the entries after
/// it, contiguous.
struct RaftLog: Equatable {
    /// Entries through this position were compacted into a snapshot.
    private(set) var snapshot: LogPosition
    private(set) var entries: [Entry]

    init(snapshot: LogPosition = .zero, entries: [Entry] = []) {
        self.snapshot = snapshot
        // Recovered entries already covered by the snapshot are dropped.
        self.entries = entries.filter { $0.index > snapshot.index }
    }

    var firstIndex: UInt64 { snapshot.index + 1 }
    var lastIndex: UInt64 { entries.last?.index ?? snapshot.index }
    var lastTerm: UInt64 { entries.last?.term ?? snapshot.term }

    /// The term at `index`: the snapshot's at its index, nil where unknown (compacted away
    /// or past the end).
    func term(at index: UInt64) -> UInt64? {
        // Index 0 is the empty prefix every log shares.
        if index == 0 { return 0 }
        if index == snapshot.index { return snapshot.term }
        guard index > snapshot.index, index <= lastIndex else { return nil }
        return entries[Int(index - snapshot.index - 1)].term
    }

    func isCompacted(_ index: UInt64) -> Bool { index < snapshot.index }

    func matches(index: UInt64, term: UInt64) -> Bool {
        self.term(at: index) == term
    }

    /// A candidate's log is at least as up to date as ours (Raft §5.4.1).
    func isUpToDate(lastIndex: UInt64, lastTerm: UInt64) -> Bool {
        lastTerm > self.lastTerm || (lastTerm == self.lastTerm && lastIndex >= self.lastIndex)
    }

    /// Entries from `index` on, at most `maxCount` of them and about `maxBytes` of payload
    /// (always at least one, so a large entry still moves).
    func slice(from index: UInt64, maxCount: Int, maxBytes: Int) -> [Entry] {
        guard index > snapshot.index, index <= lastIndex else { return [] }
        var result: [Entry] = []
        var bytes = 0
        for entry in entries[Int(index - snapshot.index - 1)...] {
            if !result.isEmpty && (result.count >= maxCount || bytes + entry.payload.count > maxBytes) { break }
            result.append(entry)
            bytes += entry.payload.count
        }
        return result
    }

    func slice(from index: UInt64, through last: UInt64) -> [Entry] {
        guard index > snapshot.index, index <= last, last <= lastIndex else { return [] }
        return Array(entries[Int(index - snapshot.index - 1)..<Int(last - snapshot.index)])
    }

    /// Payload bytes of the entries through `index`: what compaction would free.
    func payloadBytes(through index: UInt64) -> Int {
        slice(from: firstIndex, through: min(index, lastIndex)).reduce(0) { $0 + $1.payload.count }
    }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// Appends `new` (which follows index `after`), dropping our conflicting suffix.
    /// Returns the first index that changed, or nil when everything was already there.
    mutating func merge(after prevIndex: UInt64, _ new: [Entry]) -> UInt64? {
        for (offset, entry) in new.enumerated() {
            let index = prevIndex + 1 + UInt64(offset)
            if index <= snapshot.index { continue }
            if let existing = term(at: index), existing == entry.term { continue }
            // First new or conflicting entry: cut there and take the rest.
            if index <= lastIndex { entries.removeSubrange(Int(index - snapshot.index - 1)...) }
            for (k, e) in new[offset...].enumerated() {
                var copy = e
                copy.index = index + UInt64(k)
                entries.append(copy)
            }
            return index
        }
        return nil
    }

    /// Forgets entries through `position` (they are in a snapshot now).
    mutating func compact(through position: LogPosition) {
        guard position.index > snapshot.index else { return }
        entries.removeAll { $0.index <= position.index }
        snapshot = position
    }

    /// Replaces the log by a received snapshot. Entries after it are kept only if our log
    /// agrees with the snapshot at its index (Raft §7).
    mutating func restore(_ position: LogPosition) {
        if matches(index: position.index, term: position.term) {
            compact(through: position)
        } else {
            entries = []
            snapshot = position
        }
    }

    /// The largest index ≤ `index` whose term is ≤ `term`: where a leader whose entry at
    /// `index` has `term` can probe next (fast backtracking, as etcd's findConflictByTerm).
    func lastIndex(atOrBefore index: UInt64, withTermAtMost term: UInt64) -> UInt64 {
        var i = min(index, lastIndex)
        while i > snapshot.index, let t = self.term(at: i), t > term {
            i -= 1
        }
        return i
    }
}
