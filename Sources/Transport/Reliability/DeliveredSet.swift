/// Which reliable message numbers of one peer were delivered: everything below `floor`,
/// plus a bounded set above it.
struct DeliveredSet: Sendable, Equatable {
    private(set) var floor: UInt64 = 0
    private var above: Set<UInt64> = []
    let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
    }

    func contains(_ n: UInt64) -> Bool {
        n < floor || above.contains(n)
    }

    /// Marks `n` delivered; returns false if it already was (a duplicate).
    mutating func insert(_ n: UInt64) -> Bool {
        // In order and nothing waiting above: the usual case, no hashing.
        if n == floor && above.isEmpty {
            floor += 1
            return true
        }
        guard !contains(n) else { return false }
        above.insert(n)
        while above.remove(floor) != nil { floor += 1 }
        // A sender never has more than its queue limit outstanding; past this many gaps
        // the oldest are given up as delivered rather than let memory grow.
        while above.count > limit, let lowest = above.min() {
            floor = lowest
            while above.remove(floor) != nil { floor += 1 }
        }
        return true
    }
}
