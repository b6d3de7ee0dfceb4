/// The node's log in memory: entries 1…lastIndex, contiguous. (Compaction behind a
/// snapshot comes with the storage work; until then the log starts at index 1.)
struct RaftLog: Equatable {
    private(set) var entries: [Entry] = []

    init(entries: [Entry] = []) {
        self.entries = entries
    }

    var lastIndex: UInt64 { entries.last?.index ?? 0 }
    var lastTerm: UInt64 { entries.last?.term ?? 0 }

    /// The term at `index`: 0 for index 0, nil past the end.
    func term(at index: UInt64) -> UInt64? {
        if index == 0 { return 0 }
        guard index <= lastIndex else { return nil }
        return entries[Int(index - 1)].term
    }

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
        guard index >= 1, index <= lastIndex else { return [] }
        var result: [Entry] = []
        var bytes = 0
        for entry in entries[Int(index - 1)...] {
            if !result.isEmpty && (result.count >= maxCount || bytes + entry.payload.count > maxBytes) { break }
            result.append(entry)
            bytes += entry.payload.count
        }
        return result
    }

    func slice(from index: UInt64, through last: UInt64) -> [Entry] {
        guard index >= 1, index <= last, last <= lastIndex else { return [] }
        return Array(entries[Int(index - 1)..<Int(last)])
    }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// Appends `new` (which follows index `after`), dropping our conflicting suffix.
    /// Returns the first index that changed, or nil when everything was already there.
    mutating func merge(after prevIndex: UInt64, _ new: [Entry]) -> UInt64? {
        for (offset, entry) in new.enumerated() {
            let index = prevIndex + 1 + UInt64(offset)
            if let existing = term(at: index), existing == entry.term { continue }
            // First new or conflicting entry: cut there and take the rest.
            if index <= lastIndex { entries.removeSubrange(Int(index - 1)...) }
            for (k, e) in new[offset...].enumerated() {
                var copy = e
                copy.index = index + UInt64(k)
                entries.append(copy)
            }
            return index
        }
        return nil
    }

    /// The largest index ≤ `index` whose term is ≤ `term`: where a leader whose entry at
    /// `index` has `term` can probe next (fast backtracking, as etcd's findConflictByTerm).
    func lastIndex(atOrBefore index: UInt64, withTermAtMost term: UInt64) -> UInt64 {
        var i = min(index, lastIndex)
        while i > 0, let t = self.term(at: i), t > term {
            i -= 1
        }
        return i
    }
}
