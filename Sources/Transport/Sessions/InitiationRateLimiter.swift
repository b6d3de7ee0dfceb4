/// A token bucket per source address for handshake initiations: under a flood, each
/// source gets `rate` per second (after a burst), and the Diffie-Hellman work a source can
/// cause is bounded. Sources are bounded too: when the table is full, sources whose
/// bucket has refilled are forgotten, and if none has, the new source is refused.
struct InitiationRateLimiter {
    static let maxSources = 4096
    let ratePerSecond: UInt64
    let burst: UInt64
    /// Tokens in millionths, and when they were last counted.
    private var buckets: [SocketAddress: (micro: UInt64, at: UInt64)] = [:]

    init(ratePerSecond: UInt64, burst: UInt64) {
        self.ratePerSecond = max(ratePerSecond, 1)
        self.burst = max(burst, 1)
    }

    /// Takes a token for `source`; false if it has none.
    mutating func allow(_ source: SocketAddress, now: UInt64) -> Bool {
        let full = burst * 1_000_000
        if buckets[source] == nil && buckets.count >= Self.maxSources {
            buckets = buckets.filter { refilled($0.value, now) < full }
            guard buckets.count < Self.maxSources else { return false }
        }
        let tokens = buckets[source].map { refilled($0, now) } ?? full
        guard tokens >= 1_000_000 else {
            buckets[source] = (tokens, now)
            return false
        }
        buckets[source] = (tokens - 1_000_000, now)
        return true
    }

    private func refilled(_ bucket: (micro: UInt64, at: UInt64), _ now: UInt64) -> UInt64 {
        let elapsed = now >= bucket.at ? now - bucket.at : 0
        // µs × tokens/s = millionths of a token; bounded by the burst before it can overflow.
        let gained = min(elapsed, 1_000_000_000) * ratePerSecond
        return min(bucket.micro + gained, burst * 1_000_000)
    }
}
