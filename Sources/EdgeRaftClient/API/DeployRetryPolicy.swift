/// How often and how patiently a deploy is sent again after a retryable error. Every
/// attempt carries the same request id, so the gateway decides the request at most once.
public struct DeployRetryPolicy: Equatable, Sendable {
    /// Attempts in all, the first one included.
    public var attempts: Int
    public var firstDelayMillis: UInt64
    public var maxDelayMillis: UInt64

    public init(attempts: Int = 4, firstDelayMillis: UInt64 = 250, maxDelayMillis: UInt64 = 2_000) {
        self.attempts = max(1, attempts)
        self.firstDelayMillis = firstDelayMillis
        self.maxDelayMillis = max(firstDelayMillis, maxDelayMillis)
    }

    public static let standard = DeployRetryPolicy()
    public static let never = DeployRetryPolicy(attempts: 1)

    /// The wait before attempt `attempt` (1-based; nil: no such attempt): doubling from
    /// `firstDelayMillis`, capped at `maxDelayMillis`.
    public func delayMillis(beforeAttempt attempt: Int) -> UInt64? {
        guard attempt >= 2, attempt <= attempts else { return nil }
        let doublings = min(attempt - 2, 30)
        let (delay, overflow) = firstDelayMillis.multipliedReportingOverflow(by: UInt64(1) << UInt64(doublings))
        return overflow ? maxDelayMillis : min(delay, maxDelayMillis)
    }
}
