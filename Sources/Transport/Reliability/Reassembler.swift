import Wire

/// Puts fragmented messages of one peer back together, within limits: concurrent
/// reassemblies, bytes held, and time. A piece that does not fit is refused — and the
/// caller then neither acknowledges nor marks it, so the sender sends it again or gives
/// the message up and says so. Refusals and expiries are counted.
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
        /// What the message counts against the byte limit: its piece count × its largest
        /// piece so far. Counted from the first piece on, so that a message once begun
        /// always has room to finish — pieces already acknowledged are never thrown away
        /// to make room.
        var reserved = 0
        var startedAt: UInt64
    }

    enum Outcome: Equatable {
        /// Taken; the message is not complete yet.
        case held
        /// The last piece: the whole payload.
        case complete([UInt8])
        /// This piece was already held (under another message number): nothing new.
        case duplicate
        /// Not taken: over a limit, or not matching the message's other pieces.
        case refused
    }

    /// Message ids of reassemblies that timed out, most recent last: their late pieces
    /// are refused rather than starting a reassembly that can never finish (its earlier
    /// pieces were acknowledged and are gone), so the sender gives the message up.
    static let expiredRemembered = 64

    let limits: Limits
    private(set) var partials: [UInt64: Partial] = [:]
    private(set) var expired: [UInt64] = []
    private(set) var drops = DropCounters()

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    var heldBytes: Int { partials.values.reduce(0) { $0 + $1.bytes } }
    var reservedBytes: Int { partials.values.reduce(0) { $0 + $1.reserved } }

    /// Adds a piece, or refuses it (`refused`): nothing of the state changes then.
    mutating func add(_ fragment: Fragment, at now: UInt64) -> Outcome {
        expire(now)
        let existing = partials[fragment.messageID]
        if existing == nil {
            guard partials.count < limits.concurrent, !expired.contains(fragment.messageID) else { return refuse() }
        }
        var partial = existing ?? Partial(count: fragment.count, startedAt: now)
        guard partial.count == fragment.count else { return refuse() }
        guard partial.pieces[fragment.index] == nil else { return .duplicate }
        // Both factors are bounded (pieces per message by Wire, a piece by the datagram).
        let reserved = max(partial.reserved, partial.count * fragment.data.count)
        guard reservedBytes - partial.reserved + reserved <= limits.bytes else { return refuse() }
        partial.reserved = reserved
        partial.pieces[fragment.index] = fragment.data
        partial.bytes += fragment.data.count
        guard partial.pieces.count == partial.count else {
            partials[fragment.messageID] = partial
            return .held
        }
        partials[fragment.messageID] = nil
        return .complete((0..<partial.count).flatMap { partial.pieces[$0] ?? [] })
    }

    private mutating func refuse() -> Outcome {
        drops.count(.reassemblyRefused)
        return .refused
    }

    /// A message completed here that the caller could not take (its payload does not
    /// decode): its pieces are refused from now on, as those of one that timed out.
    mutating func abandon(_ messageID: UInt64) {
        expired.append(messageID)
        forgetOldestExpired()
    }

    mutating func expire(_ now: UInt64) {
        for (id, partial) in partials where now >= partial.startedAt && now - partial.startedAt >= limits.timeoutMicros {
            partials[id] = nil
            drops.count(.reassemblyExpired)
            expired.append(id)
        }
        forgetOldestExpired()
    }

    private mutating func forgetOldestExpired() {
        if expired.count > Self.expiredRemembered { expired.removeFirst(expired.count - Self.expiredRemembered) }
    }
}
