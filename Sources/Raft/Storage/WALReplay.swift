/// The log as recovery rebuilds it, one record at a time in the order they were written.
///
/// Segments wholly behind a compaction are deleted, so the first live segment may hold
/// entries whose predecessors are gone: entries below `knownFrom` are unknown until a
/// compaction mark covers them, which the end of the replay requires.
struct WALReplay {
    var hardState = HardState()
    var compacted = LogPosition.zero
    /// Index of `entries[0]` (or of the next entry, if there are none).
    var knownFrom: UInt64 = 1
    var entries: [Entry] = []

    var lastIndex: UInt64 { knownFrom + UInt64(entries.count) - 1 }

    mutating func apply(_ record: WALRecord, at place: String) throws(StorageError) {
        switch record {
        case .hardState(let hs):
            try checkFollows(hs, at: place)
            hardState = hs
        case .segmentHeader(let header):
            try apply(.hardState(header.hardState), at: place)
            try apply(.compacted(index: header.compacted.index, term: header.compacted.term), at: place)
        case .entry(let entry):
            if entry.index <= compacted.index { return }
            if entries.isEmpty && entry.index > knownFrom {
                // What came before lies in deleted segments, which a compaction must cover.
                knownFrom = entry.index
            }
            guard entry.index == lastIndex + 1 else {
                throw StorageError.inconsistent("\(place): entry \(entry.index) where \(lastIndex + 1) was expected")
            }
            entries.append(entry)
        case .truncate(let keep):
            guard keep >= compacted.index else {
                throw StorageError.inconsistent("\(place): truncation to \(keep) behind the compaction at \(compacted.index)")
            }
            if keep < knownFrom {
                entries = []
                knownFrom = keep + 1
            } else if keep < lastIndex {
                entries.removeLast(Int(lastIndex - keep))
            }
        case .compacted(let index, let term):
            guard index >= compacted.index else {
                throw StorageError.inconsistent("\(place): compaction mark \(index) behind the earlier one at \(compacted.index)")
            }
            compacted = LogPosition(index: index, term: term)
            if index >= knownFrom {
                // Entries after the mark stay only if the log agrees with it there: a
                // received snapshot's truncation may have been torn off.
                let agrees = index <= lastIndex && entries[Int(index - knownFrom)].term == term
                entries.removeFirst(agrees ? Int(index - knownFrom + 1) : entries.count)
                knownFrom = index + 1
            }
        }
    }

    /// Term never goes back, nor the vote within a term; the commit index only as far as
    /// a cut tail took entries it covered (a restarted node clamps it to its log).
    func checkFollows(_ next: HardState, at place: String) throws(StorageError) {
        let previous = hardState
        let votedAgain = next.term == previous.term && previous.vote != nil && next.vote != previous.vote
        guard next.term >= previous.term, !votedAgain, next.commit >= min(previous.commit, lastIndex) else {
            throw StorageError.inconsistent("\(place): hard state \(next) does not follow \(previous)")
        }
    }

    /// The recovered log, once every record is applied: entries below `knownFrom` must be
    /// covered by the compaction.
    func finish(directory: String) throws(StorageError) -> (compacted: LogPosition, entries: [Entry]) {
        guard knownFrom <= compacted.index + 1 else {
            throw StorageError.inconsistent(
                "\(directory): entries \(compacted.index + 1)…\(knownFrom - 1) are missing (a segment was lost)")
        }
        return (compacted, entries)
    }
}
