import HeapModule

/// Which reliable message numbers of one peer were delivered: everything below `floor`
/// except the gaps it passed (`skipped`), plus a bounded set above it. Numbers come from
/// the peer: only those in a window above the floor are taken, so none can move the floor
/// far or make it overflow.
struct DeliveredSet: Sendable {

    /// How far above the floor a number may be. A sender numbers its messages from 0 on
    /// each link, and a link lasts one session (rekeyed after 120 s by default): to open a
    /// gap this wide it would have to give up or supersede 2^32 messages in one session,
    /// 36 million a second. A lying peer would need 2^32 messages to walk the floor to the
    /// top, and would stall only its own link.
    static let defaultWindow: UInt64 = 1 << 32

    /// What the set says of a number.
    enum Status: Equatable {
        /// Not delivered yet: take it.
        case new
        /// Delivered already: a duplicate.
        case delivered
        /// Below `horizon`: the set no longer knows. Never taken as a duplicate (that would
        /// acknowledge a message that was not delivered), nor delivered (it may be one).
        case forgotten
    }

    private(set) var floor: UInt64 = 0
    private var above: Set<UInt64> = []
    /// The numbers of `above` again, lowest first: the floor moves up to the lowest one
    /// without a scan of the set. (A peer that spaced its numbers kept the set at its
    /// limit, and a scan per message was 4,096 visits.)
    private var aboveLowestFirst = Heap<UInt64>()
    /// Gaps the floor passed when `above` reached its limit (a sender gives up or
    /// supersedes messages, so some gaps never fill), ascending closed ranges: a late
    /// message in one is still delivered.
    private(set) var skipped: [ClosedRange<UInt64>] = []
    /// Below this, the oldest skipped gaps were forgotten to bound memory.
    private(set) var horizon: UInt64 = 0
    let limit: Int
    let skippedLimit: Int
    let window: UInt64

    init(limit: Int = 4096, skippedLimit: Int = 64, window: UInt64 = DeliveredSet.defaultWindow) {
        self.limit = limit
        self.skippedLimit = max(skippedLimit, 1)
        self.window = window
    }

    /// Whether `n` may be taken at all: below the floor, or within the window above it.
    /// `UInt64.max` never is, so the floor never needs to pass it.
    func admits(_ n: UInt64) -> Bool {
        n < floor || (n < .max && n - floor < window)
    }

    func status(_ n: UInt64) -> Status {
        if n >= floor { return above.contains(n) ? .delivered : .new }
        if n < horizon { return .forgotten }
        return skippedIndex(of: n) == nil ? .delivered : .new
    }

    func contains(_ n: UInt64) -> Bool {
        status(n) == .delivered
    }

    /// Marks `n` delivered; returns false if it was not new (a duplicate, forgotten, or
    /// outside the window: `admits`), which the caller tells apart and counts.
    mutating func insert(_ n: UInt64) -> Bool {
        guard admits(n), status(n) == .new else { return false }
        // In order and nothing waiting above: the usual case, no hashing.
        if n == floor && above.isEmpty {
            floor += 1
            return true
        }
        if n < floor {
            takeFromSkipped(n)
            return true
        }
        above.insert(n)
        aboveLowestFirst.insert(n)
        raiseFloor()
        // A sender never has more than its queue limit outstanding; past this many numbers
        // above a gap, the floor passes the gap — remembered in `skipped`, so a late
        // message in it is delivered, not dropped as a duplicate.
        while above.count > limit, let lowest = aboveLowestFirst.min {
            skipped.append(floor...(lowest - 1))
            floor = lowest
            raiseFloor()
        }
        forgetOldestSkipped()
        return true
    }

    /// Takes the numbers waiting at the floor into it.
    private mutating func raiseFloor() {
        while aboveLowestFirst.min == floor {
            _ = aboveLowestFirst.removeMin()
            above.remove(floor)
            floor += 1
        }
    }

    private func skippedIndex(of n: UInt64) -> Int? {
        // Binary search: the ranges are ascending and disjoint.
        var low = 0, high = skipped.count
        while low < high {
            let mid = low + (high - low) / 2
            if skipped[mid].upperBound < n { low = mid + 1 } else { high = mid }
        }
        return low < skipped.count && skipped[low].contains(n) ? low : nil
    }

    private mutating func takeFromSkipped(_ n: UInt64) {
        guard let i = skippedIndex(of: n) else { return }
        let range = skipped[i]
        var rest: [ClosedRange<UInt64>] = []
        if range.lowerBound < n { rest.append(range.lowerBound...(n - 1)) }
        if n < range.upperBound { rest.append((n + 1)...range.upperBound) }
        skipped.replaceSubrange(i...i, with: rest)
        forgetOldestSkipped()
    }

    private mutating func forgetOldestSkipped() {
        while skipped.count > skippedLimit {
            horizon = skipped.removeFirst().upperBound + 1
        }
    }
}
