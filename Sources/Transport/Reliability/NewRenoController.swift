/// NewReno congestion control of one link, in the manner of RFC 9002 §7 and its Appendix B
/// (`CongestionControlAlgorithm.newReno`, kept for comparison with the bandwidth model): bytes in flight are limited by a congestion window that grows by what is
/// acknowledged (slow start) up to the slow-start threshold and by about one datagram per
/// window above it (congestion avoidance); a loss halves it once per recovery period (the
/// time from the loss's detection until a packet sent after it is acknowledged);
/// persistent congestion collapses it to the minimum. Pure: times are inputs.
struct NewRenoController: Sendable, Equatable {
    /// The largest datagram a link sends (payload budget plus header and tag).
    let maxDatagramBytes: Int
    /// The window never grows past this (what `maxPacketsInFlight` allows anyway).
    let maximumWindowBytes: Int
    private(set) var windowBytes: Int
    private(set) var bytesInFlight = 0
    private(set) var slowStartThresholdBytes = Int.max
    /// When the current recovery period began (nil: not in one). Packets sent before it
    /// neither grow the window when acknowledged nor reduce it again when lost.
    private(set) var recoveryStartMicros: UInt64?
    /// Window reductions on loss, and collapses on persistent congestion.
    private(set) var congestionEvents = 0
    private(set) var persistentCongestionEvents = 0
    /// Slow starts ended by a rising round trip (HyStart++), before any loss.
    private(set) var delayExits = 0
    /// HyStart++ state (RFC 9406 §4, without its conservative phase): the smallest RTT
    /// of this round and the last, a round ending when a packet sent after it began is
    /// acknowledged (ordinals of ack-eliciting packets).
    private var roundEndOrdinal: UInt64 = 0
    private var lastRoundMinimumMicros: UInt64?
    private var roundMinimumMicros: UInt64?
    private var roundSamples = 0
    /// Samples a round needs before its minimum is compared (RFC 9406 has 8; fewer, so
    /// that a narrow link leaves slow start before its first window has queued up).
    static let roundSamplesNeeded = 4

    init(maxDatagramBytes: Int, maximumWindowBytes: Int) {
        self.maxDatagramBytes = max(maxDatagramBytes, 1)
        self.maximumWindowBytes = max(maximumWindowBytes, 2 * self.maxDatagramBytes)
        windowBytes = 0
        windowBytes = min(initialWindowBytes, self.maximumWindowBytes)
    }

    /// RFC 9002 §7.2: ten datagrams, limited to 14,720 bytes but at least two datagrams.
    var initialWindowBytes: Int { min(10 * maxDatagramBytes, max(2 * maxDatagramBytes, 14_720)) }
    var minimumWindowBytes: Int { 2 * maxDatagramBytes }
    var inSlowStart: Bool { windowBytes < slowStartThresholdBytes }

    /// Whether another ack-eliciting datagram may go now, with `extraBytes` allowed on top
    /// of the window (the control reserve). RFC 9002 §7: not while bytes in flight reach
    /// the window; the last datagram may overshoot it by less than one datagram.
    func allowsSending(extraBytes: Int = 0) -> Bool {
        bytesInFlight < windowBytes + extraBytes
    }

    /// Whether a datagram sent now would fill the window. Only acknowledgements of
    /// datagrams sent while the window was the limit grow it: a sender limited by what it
    /// has to send learns nothing about the path's capacity (RFC 9002 §7.8).
    func fillsWindow(afterSending bytes: Int) -> Bool {
        bytesInFlight + bytes + maxDatagramBytes > windowBytes
    }

    mutating func sent(bytes: Int) {
        bytesInFlight += bytes
    }

    /// An ack-eliciting datagram was acknowledged.
    mutating func acknowledged(bytes: Int, sentAtMicros: UInt64, windowLimited: Bool) {
        removeFromFlight(bytes)
        guard windowLimited, !isInRecovery(sentAtMicros: sentAtMicros) else { return }
        if inSlowStart {
            windowBytes += bytes
        } else {
            // About one datagram per window's worth acknowledged; at least one byte so that
            // a small window still grows.
            windowBytes += max(maxDatagramBytes * bytes / max(windowBytes, 1), 1)
        }
        windowBytes = min(windowBytes, maximumWindowBytes)
    }

    /// Ack-eliciting datagrams were declared lost; `latestSentAtMicros` is when the last of
    /// them was sent. One reduction per recovery period however many are lost.
    mutating func lost(bytes: Int, latestSentAtMicros: UInt64, now: UInt64) {
        removeFromFlight(bytes)
        guard !isInRecovery(sentAtMicros: latestSentAtMicros) else { return }
        recoveryStartMicros = now
        congestionEvents += 1
        slowStartThresholdBytes = max(windowBytes / 2, minimumWindowBytes)
        windowBytes = slowStartThresholdBytes
    }

    /// An RTT sample from the ack of the packet with `ordinal`, when `sentOrdinal`
    /// packets were sent so far. In slow start, a round whose smallest RTT exceeds the last
    /// round's by max(4 ms, min(last / 8, 16 ms)) ends it: the bottleneck's queue is
    /// filling, and a loss would come only once it overflowed, with a heartbeat waiting
    /// behind all of it meanwhile.
    mutating func roundTrip(sampleMicros: UInt64, ordinal: UInt64, sentOrdinal: UInt64) {
        guard inSlowStart else { return }
        if ordinal >= roundEndOrdinal {
            if roundSamples >= Self.roundSamplesNeeded { lastRoundMinimumMicros = roundMinimumMicros }
            roundMinimumMicros = nil
            roundSamples = 0
            roundEndOrdinal = sentOrdinal + 1
        }
        roundMinimumMicros = min(roundMinimumMicros ?? sampleMicros, sampleMicros)
        roundSamples += 1
        guard roundSamples >= Self.roundSamplesNeeded, let last = lastRoundMinimumMicros, let current = roundMinimumMicros else { return }
        let threshold = min(max(last / 8, 4_000), 16_000)
        if current >= last, current - last >= threshold {
            slowStartThresholdBytes = windowBytes
            delayExits += 1
        }
    }

    /// Every datagram sent over a span longer than the persistent-congestion duration was
    /// lost (RFC 9002 §7.6): the path may have changed altogether; start again from the
    /// minimum window.
    mutating func persistentCongestion() {
        persistentCongestionEvents += 1
        windowBytes = minimumWindowBytes
        recoveryStartMicros = nil
    }

    /// Datagrams no longer counted in flight without saying anything about the path
    /// (the link ended, or nothing they carry is awaited any more).
    mutating func forget(bytes: Int) {
        removeFromFlight(bytes)
    }

    private func isInRecovery(sentAtMicros: UInt64) -> Bool {
        guard let start = recoveryStartMicros else { return false }
        return sentAtMicros <= start
    }

    private mutating func removeFromFlight(_ bytes: Int) {
        bytesInFlight = bytes > bytesInFlight ? 0 : bytesInFlight - bytes
    }
}
