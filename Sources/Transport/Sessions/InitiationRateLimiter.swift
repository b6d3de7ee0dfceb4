/// A token bucket per source address for handshake initiations whose source is proven
/// (a valid mac2): each source gets `rate` per second (after a burst), and the
/// Diffie-Hellman work a source can cause is bounded. Sources are bounded too: when the
/// table is full, sources whose bucket has refilled are forgotten, and if none has, the
/// new source is refused.
struct InitiationRateLimiter {
    static let maxSources = 4096
    let ratePerSecond: UInt64
    let burst: UInt64
    private var buckets: [SocketAddress: TokenBucket] = [:]

    init(ratePerSecond: UInt64, burst: UInt64) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    /// Takes a token for `source`; false if it has none.
    mutating func allow(_ source: SocketAddress, now: UInt64) -> Bool {
        if buckets[source] == nil && buckets.count >= Self.maxSources {
            buckets = buckets.filter { !$0.value.isFull(now: now) }
            guard buckets.count < Self.maxSources else { return false }
        }
        var bucket = buckets[source] ?? TokenBucket(ratePerSecond: ratePerSecond, burst: burst, now: now)
        let allowed = bucket.take(now: now)
        buckets[source] = bucket
        return allowed
    }
}
