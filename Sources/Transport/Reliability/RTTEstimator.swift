/// Round-trip time and retransmission timeout of one peer, as RFC 6298 computes them
/// (α = 1/8, β = 1/4, K = 4), taking the peer's reported ack delay out of each sample as
/// QUIC does (RFC 9002 §5.3). Samples from retransmitted packets are never taken
/// (Karn's rule) — the caller only offers samples of packets sent once.
public struct RTTEstimator: Sendable, Equatable {
    public struct Bounds: Sendable, Equatable {
        public var initialMicros: UInt64 = 500_000
        public var minimumMicros: UInt64 = 200_000
        public var maximumMicros: UInt64 = 10_000_000
        /// The most ack delay a peer may report (its `AckTracker.maxDelayMicros`): a larger
        /// one is taken as this (RFC 9002 §5.3, max_ack_delay).
        public var maxAckDelayMicros: UInt64 = 25_000

        public init(
            initialMicros: UInt64 = 500_000, minimumMicros: UInt64 = 200_000, maximumMicros: UInt64 = 10_000_000,
            maxAckDelayMicros: UInt64 = 25_000
        ) {
            self.initialMicros = initialMicros
            self.minimumMicros = minimumMicros
            self.maximumMicros = maximumMicros
            self.maxAckDelayMicros = maxAckDelayMicros
        }
    }

    /// Samples are taken as at most this (about 12.7 days): far above any real round trip,
    /// and far enough below 2^64 that the smoothing's products (at most 8×) cannot overflow.
    static let maxSampleMicros: UInt64 = 1 << 40

    public let bounds: Bounds
    public private(set) var smoothedMicros: UInt64?
    public private(set) var variationMicros: UInt64 = 0
    public private(set) var latestMicros: UInt64?
    public private(set) var minimumSeenMicros: UInt64?
    /// Consecutive timeouts without a new sample: each doubles the RTO.
    public private(set) var backoff: Int = 0

    public init(bounds: Bounds = Bounds()) {
        self.bounds = bounds
    }

    /// Adds a sample: `measured` from send to ack, `ackDelay` as the peer reported it.
    /// The ack delay comes from the peer: one longer than the whole round trip cannot be
    /// true and is not taken out at all; any other is capped at `maxAckDelayMicros` and
    /// never makes a sample smaller than the smallest RTT seen — so no value of it traps
    /// or shrinks the RTO below what the path shows.
    public mutating func add(measuredMicros rawMeasured: UInt64, ackDelayMicros reportedDelay: UInt64) {
        let measured = min(rawMeasured, Self.maxSampleMicros)
        let ackDelay = reportedDelay > rawMeasured ? 0 : min(reportedDelay, bounds.maxAckDelayMicros)
        minimumSeenMicros = min(minimumSeenMicros ?? measured, measured)
        // Take out the ack delay only while that leaves at least the smallest RTT seen.
        var sample = measured
        if let floor = minimumSeenMicros, measured >= ackDelay, measured - ackDelay >= floor { sample = measured - ackDelay }
        latestMicros = sample
        backoff = 0
        guard let srtt = smoothedMicros else {
            smoothedMicros = sample
            variationMicros = sample / 2
            return
        }
        let deviation = srtt > sample ? srtt - sample : sample - srtt
        variationMicros = (3 * variationMicros + deviation) / 4
        smoothedMicros = (7 * srtt + sample) / 8
    }

    /// The retransmission timeout now, backoff included, within the bounds.
    public var timeoutMicros: UInt64 {
        let base: UInt64
        if let srtt = smoothedMicros {
            base = max(srtt + max(4 * variationMicros, 1000), bounds.minimumMicros)
        } else {
            base = bounds.initialMicros
        }
        let shift = UInt64(min(backoff, 30))
        let backedOff = base > (bounds.maximumMicros >> shift) ? bounds.maximumMicros : base << shift
        return min(max(backedOff, bounds.minimumMicros), bounds.maximumMicros)
    }

    /// A retransmission timer fired: back off (×2) until the next sample.
    public mutating func timedOut() {
        backoff = min(backoff + 1, 64)
    }

    /// Something new was acknowledged (with or without a sample): the backoff ends.
    public mutating func acknowledged() {
        backoff = 0
    }

    /// How long after a later packet's ack an unacked one counts as lost: 9/8 of the
    /// larger of the smoothed and latest RTT (RFC 9002 §6.1.2), at least 1 ms — and at
    /// least the smoothed RTT plus 4 × its variation: on a link whose jitter is a large
    /// part of the round trip (`narrowband`, `cellular`), 9/8 alone declares reordered
    /// packets lost, and each spurious loss halves the congestion window.
    public var lossDelayMicros: UInt64 {
        let rtt = max(smoothedMicros ?? bounds.initialMicros, latestMicros ?? 0)
        let variable = (smoothedMicros ?? 0) + 4 * variationMicros
        return max(rtt * 9 / 8, variable, 1000)
    }
}
