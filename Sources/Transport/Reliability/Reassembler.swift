import Wire

/// Puts fragmented messages of one peer back together, within limits: concurrent
/// reassemblies, bytes held, and time. What exceeds them is dropped and counted.
struct Reassembler: Sendable {
    struct Limits: Sendable, Equatable {
        var concurrent = 4
        var bytes = 2 * 1024 * 1024
        var timeoutMicros: UInt64 = 30_000_000
    }

    struct Partial: Sendable {
        var count: Int
        var pieces: [Int: [UInt8]] = [:]
        var bytes = 0
        var startedAt: UInt64
    }

    let limits: Limits
    private(set) var partials: [UInt64: Partial] = [:]
    private(set) var dropped = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    var heldBytes: Int { partials.values.reduce(0) { $0 + $1.bytes } }

    /// Adds a piece; returns the whole payload once the last piece is in.
    mutating func add(_ fragment: Fragment, at now: UInt64) -> [UInt8]? {
        expire(now)
        var partial = partials[fragment.messageID]
        if partial == nil {
            guard partials.count < limits.concurrent else {
                dropped += 1
                return nil
            }
            partial = Partial(count: fragment.count, startedAt: now)
        }
        guard var partial, partial.count == fragment.count else {
            dropped += 1
            return nil
        }
        guard partial.pieces[fragment.index] == nil else { return nil }
        guard heldBytes + fragment.data.count <= limits.bytes else {
            partials[fragment.messageID] = nil
            dropped += 1
            return nil
        }
        partial.pieces[fragment.index] = fragment.data
        partial.bytes += fragment.data.count
        guard partial.pieces.count == partial.count else {
            partials[fragment.messageID] = partial
            return nil
        }
        partials[fragment.messageID] = nil
        return (0..<partial.count).flatMap { partial.pieces[$0] ?? [] }
    }

    mutating func expire(_ now: UInt64) {
        for (id, partial) in partials where now >= partial.startedAt + limits.timeoutMicros {
            partials[id] = nil
            dropped += 1
        }
    }
}
