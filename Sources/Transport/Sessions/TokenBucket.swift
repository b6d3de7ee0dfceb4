/// A token bucket on the caller's clock (µs): `ratePerSecond` tokens a second, at most
/// `burst` held; starts full. Tokens are counted in millionths so that no division is
/// needed, and every sum is bounded by the burst before it could overflow.
struct TokenBucket: Sendable {
    let ratePerSecond: UInt64
    let burst: UInt64
    private var micro: UInt64
    private var at: UInt64

    init(ratePerSecond: UInt64, burst: UInt64, now: UInt64 = 0) {
        self.ratePerSecond = min(max(ratePerSecond, 1), 1_000_000)
        self.burst = min(max(burst, 1), 1_000_000)
        micro = self.burst * 1_000_000
        at = now
    }

    /// Takes a token; false if there is none.
    mutating func take(now: UInt64) -> Bool {
        micro = level(now)
        at = max(at, now)
        guard micro >= 1_000_000 else { return false }
        micro -= 1_000_000
        return true
    }

    /// Whether the bucket has refilled completely by `now`.
    func isFull(now: UInt64) -> Bool { level(now) >= burst * 1_000_000 }

    private func level(_ now: UInt64) -> UInt64 {
        let elapsed = now >= at ? now - at : 0
        // µs × tokens/s = millionths of a token.
        let gained = min(elapsed, 1_000_000_000) * ratePerSecond
        return min(micro + gained, burst * 1_000_000)
    }
}
