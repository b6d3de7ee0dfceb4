/// Which reliable message numbers of one peer were delivered: everything below `floor`,
/// plus a bounded set above it. Numbers come from the peer: only those in a window above
/// the floor are taken, so none can move the floor far or make it overflow.
struct DeliveredSet: Sendable, Equatable {
    /// How far above the floor a number may be. A sender numbers its messages from 0 on
    /// each link, and a link lasts one session (rekeyed after 120 s by default): to open a
    /// gap this wide it would have to give up or supersede 2^32 messages in one session,
    /// 36 million a second. A lying peer would need 2^32 messages to walk the floor to the
    /// top, and would stall only its own link.
    static let defaultWindow: UInt64 = 1 << 32

    private(set) var floor: UInt64 = 0
    private var above: Set<UInt64> = []
    let limit: Int
    let window: UInt64

    init(limit: Int = 4096, window: UInt64 = DeliveredSet.defaultWindow) {
        self.limit = limit
        self.window = window
    }

    /// Whether `n` may be taken at all: below the floor (a duplicate), or within the window
    /// above it. `UInt64.max` never is, so the floor never needs to pass it.
    func admits(_ n: UInt64) -> Bool {
        n < floor || (n < .max && n - floor < window)
    }

    func contains(_ n: UInt64) -> Bool {
        n < floor || above.contains(n)
    }

    /// Marks `n` delivered; returns false if it already was (a duplicate) or is outside
    /// the window (`admits`), which the caller tells apart and counts.
    mutating func insert(_ n: UInt64) -> Bool {
        guard admits(n) else { return false }
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
