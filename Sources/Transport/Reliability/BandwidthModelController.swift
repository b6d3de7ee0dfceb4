/// Congestion control of one link by a model of its path, in the manner of BBR (the ideas
/// of draft-cardwell-iccrg-bbr-congestion-control, our own formulation): the bottleneck's
/// bandwidth is the largest delivery rate of the last 10 round trips, its round trip the
/// smallest of the last 10 s; packets are paced at a gain times that bandwidth, and bytes
/// in flight are held to 2.25 times the product of the two (1.5 times in startup).
///
/// Jitter makes acks bunch, and a delivery rate measured over one round trip then reads
/// high: on `narrowband` (± 30 ms each way) the largest of a round's samples ran 20–30 %
/// above the link rate, and pacing at it kept a standing queue that heartbeats waited
/// behind. Past startup the model therefore takes the rate over the last two rounds as a
/// whole (the jitter at its two ends is half as large a part of it), once per round;
/// startup keeps per-ack samples, which it needs to grow by half or more each round. A loss says little on a link that
/// drops at random (10 % on `narrowband`): the window does not shrink for it. Only a round
/// whose loss rate is far above any such link's (over 20 %, on enough packets to tell)
/// backs off, and persistent congestion (RFC 9002 §7.6) starts again from the minimum.
///
/// Modes: startup (gain 2.89, until the bandwidth grew less than 25 % in three rounds),
/// drain (the queue startup built), probe-bandwidth (a cycle of eight round trips at
/// 1.25, 0.75 and six at 1) and probe-round-trip (every 10 s without a new minimum, half
/// the estimated path in flight for 200 ms and a round, so the queue empties and the
/// minimum is seen again). Pure: times are inputs.
struct BandwidthModelController: Sendable, Equatable {
    enum Mode: Sendable, Equatable {
        case startup, drain, probeBandwidth, probeRoundTrip
    }

    struct RoundStart: Sendable, Equatable {
        var delivered: UInt64
        var atMicros: UInt64
        /// Whether the round it ended had an application-limited sample, and its largest
        /// per-ack sample (bounded by its send span: what a burst of acks cannot inflate).
        var endedApplicationLimited: Bool
        var endedLargestSample: Double
    }

    /// 2 / ln 2: the smallest gain that doubles the delivery rate each round.
    static let startupGain = 2.89
    static let windowGain = 2.25
    /// Startup's window: the initial window (RFC 9002's ten datagrams) is already twice
    /// `narrowband`'s path; startup's overshoot is held to half a path of queue.
    static let startupWindowGain = 1.5
    /// Past startup, a bandwidth sample is the delivery rate over this many rounds.
    static let sampleRounds = 2
    static let probeGains: [Double] = [1.25, 0.75, 1, 1, 1, 1, 1, 1]
    static let bandwidthWindowRounds = 10
    static let minimumRoundTripWindowMicros: UInt64 = 10_000_000
    static let probeRoundTripMicros: UInt64 = 200_000
    /// A round with more loss than this, over at least `lossSampleDatagrams`, is congestion.
    static let congestiveLossRate = 0.2
    static let lossSampleDatagrams = 64
    /// What a congestive round leaves of the bandwidth and window, until the next probe.
    static let lossBackoff = 0.7
    /// Sending time a pacer may catch up on after a pause: about the endpoint's timer
    /// granularity (it waits in whole milliseconds), so that a fast link is not held to
    /// one datagram per wake-up.
    static let pacingCreditMicros: UInt64 = 2_000
    /// The longest a pacer holds a datagram back, whatever the estimate.
    static let maximumPacingIntervalMicros: UInt64 = 250_000
    /// The round trip assumed before the first sample (RFC 9002's kInitialRtt): the
    /// initial window is paced over it, not sent at once — a burst of ten datagrams is
    /// 0.47 s of `narrowband`'s link, which a heartbeat would wait behind.
    static let assumedRoundTripMicros: UInt64 = 333_000

    let maxDatagramBytes: Int
    let maximumWindowBytes: Int
    private(set) var windowBytes: Int
    private(set) var bytesInFlight = 0
    private(set) var mode = Mode.startup
    private var sampler = DeliveryRateSampler()
    private var bandwidthFilter = WindowedMaximum(windowRounds: Self.bandwidthWindowRounds)
    private(set) var minimumRoundTripMicros: UInt64?
    private var minimumRoundTripAtMicros: UInt64 = 0
    /// Round trips counted by delivery: one ends when a packet sent after it began is acknowledged.
    private(set) var rounds: UInt64 = 0
    private var nextRoundDelivered: UInt64 = 0
    private var plateauBandwidth: Double = 0
    /// What had been delivered, and when, at the start of each of the last rounds (oldest
    /// first, at most `sampleRounds` + 1), and whether a round had an application-limited sample.
    private var roundStarts: [RoundStart] = []
    private var roundApplicationLimited = false
    private var roundLargestSample: Double = 0
    private var plateauRounds = 0
    /// Startup found the bottleneck (the bandwidth stopped growing, or a congestive loss).
    private(set) var filledPipe = false
    private var cycleIndex = 0
    private var cycleStartMicros: UInt64 = 0
    private var probeRoundTripEndMicros: UInt64?
    private var probeRoundTripEndRound: UInt64 = 0
    private var windowBeforeProbeRoundTrip = 0
    /// The smallest round trip seen during probe-round-trip: the next minimum.
    private var probeRoundTripMinimumMicros: UInt64?
    private var lossSampleLostBytes = 0
    private var lossSampleAckedBytes = 0
    private var lostSinceLastAck = false
    private var ackedThisAck = 0
    /// Limits a congestive round sets; lifted when the cycle probes for bandwidth again.
    private(set) var bandwidthCeiling = Double.infinity
    private(set) var windowCeiling = Int.max
    private(set) var pacingBytesPerSecond: Double
    /// The pacer: when the next datagram may go.
    private(set) var nextSendMicros: UInt64 = 0
    private(set) var congestionEvents = 0
    private(set) var persistentCongestionEvents = 0

    init(maxDatagramBytes: Int, maximumWindowBytes: Int) {
        self.maxDatagramBytes = max(maxDatagramBytes, 1)
        self.maximumWindowBytes = max(maximumWindowBytes, 4 * self.maxDatagramBytes)
        let initial = min(10 * self.maxDatagramBytes, max(2 * self.maxDatagramBytes, 14_720))
        windowBytes = min(max(initial, 4 * self.maxDatagramBytes), self.maximumWindowBytes)
        pacingBytesPerSecond = Double(windowBytes) * 1_000_000 / Double(Self.assumedRoundTripMicros)
    }

    /// RFC 9002 §7.2's initial window (ten datagrams, at most 14,720 bytes), at least the minimum.
    var initialWindowBytes: Int { max(min(10 * maxDatagramBytes, max(2 * maxDatagramBytes, 14_720)), minimumWindowBytes) }
    /// Four datagrams: enough to keep acks coming while the round trip is probed.
    var minimumWindowBytes: Int { 4 * maxDatagramBytes }
    /// The bottleneck bandwidth the model believes, in bytes per second (0: no sample yet).
    var bandwidthBytesPerSecond: Double { min(bandwidthFilter.maximum, bandwidthCeiling) }

    var pacingGain: Double {
        switch mode {
        case .startup: Self.startupGain
        case .drain: 1 / Self.startupGain
        case .probeBandwidth: Self.probeGains[cycleIndex]
        case .probeRoundTrip: 1
        }
    }

    /// Bandwidth × minimum round trip × `gain`, in bytes (nil before both are known).
    func estimatedPathBytes(gain: Double = 1) -> Int? {
        guard let rtt = minimumRoundTripMicros, bandwidthBytesPerSecond > 0 else { return nil }
        return Self.bytes(bandwidthBytesPerSecond * Double(rtt) / 1_000_000 * gain)
    }

    func allowsSending(extraBytes: Int = 0) -> Bool {
        bytesInFlight < windowBytes + extraBytes
    }

    func pacingAllows(now: UInt64) -> Bool { now >= nextSendMicros }

    /// A datagram of `bytes` goes now: its delivery state, to give back when it is acknowledged.
    mutating func sent(bytes: Int, now: UInt64) -> DeliveryRateSampler.PacketState {
        let state = sampler.sending(now: now, bytesInFlight: bytesInFlight)
        bytesInFlight += max(bytes, 0)
        let base = max(nextSendMicros, now > Self.pacingCreditMicros ? now - Self.pacingCreditMicros : 0)
        let (next, overflow) = base.addingReportingOverflow(pacingIntervalMicros(bytes: bytes))
        nextSendMicros = overflow ? .max : next
        return state
    }

    /// A datagram in flight was acknowledged (for each one an ack covers, then `ackProcessed`).
    mutating func acknowledged(bytes: Int, state: DeliveryRateSampler.PacketState, now: UInt64) {
        removeFromFlight(bytes)
        sampler.acknowledged(bytes: bytes, state: state, now: now)
        lossSampleAckedBytes += max(bytes, 0)
        ackedThisAck += max(bytes, 0)
    }

    /// Updates the model from the ack just processed, then the mode, window and pacing rate.
    mutating func ackProcessed(now: UInt64) {
        defer { ackedThisAck = 0 }
        guard let sample = sampler.takeSample() else { return }
        var roundStarted = false
        if sample.priorDelivered >= nextRoundDelivered {
            nextRoundDelivered = sampler.delivered
            rounds += 1
            roundStarted = true
        }
        let minimumExpired = minimumRoundTripMicros != nil && now > minimumRoundTripAtMicros + Self.minimumRoundTripWindowMicros
        // An equal sample confirms the minimum: a steady path needs no probe for it. An
        // expired minimum is replaced only by what probe-round-trip sees once the queue
        // is gone, not by this sample, which may be mostly queue (the window would grow by it).
        if minimumRoundTripMicros.map({ sample.roundTripMicros <= $0 }) ?? true {
            minimumRoundTripMicros = max(sample.roundTripMicros, 1)
            minimumRoundTripAtMicros = now
        }
        if mode == .probeRoundTrip {
            probeRoundTripMinimumMicros = min(probeRoundTripMinimumMicros ?? sample.roundTripMicros, sample.roundTripMicros)
        }
        updateBandwidth(sample, roundStarted: roundStarted, now: now)
        if roundStarted { checkLoss() }
        if mode == .startup, roundStarted, !sample.applicationLimited { checkPlateau() }
        if mode == .startup, filledPipe { mode = .drain }
        if mode == .drain, let path = estimatedPathBytes(), bytesInFlight <= path { enterProbeBandwidth(now) }
        if mode == .probeBandwidth { advanceCycle(now) }
        if minimumExpired, mode != .probeRoundTrip { enterProbeRoundTrip() }
        if mode == .probeRoundTrip { continueProbeRoundTrip(now) }
        lostSinceLastAck = false
        updateWindow()
        updatePacingRate()
    }

    /// Datagrams were declared lost: counted toward the round's loss rate, nothing more.
    mutating func lost(bytes: Int) {
        removeFromFlight(bytes)
        lossSampleLostBytes += max(bytes, 0)
        lostSinceLastAck = true
    }

    /// RFC 9002 §7.6: the path may have changed altogether. The model is forgotten and
    /// startup begins again from the minimum window.
    mutating func persistentCongestion() {
        persistentCongestionEvents += 1
        bandwidthFilter.reset()
        // Nothing measured before the collapse describes the path now.
        roundStarts.removeAll()
        roundApplicationLimited = false
        roundLargestSample = 0
        lossSampleLostBytes = 0
        lossSampleAckedBytes = 0
        windowBeforeProbeRoundTrip = 0
        bandwidthCeiling = .infinity
        windowCeiling = .max
        filledPipe = false
        plateauBandwidth = 0
        plateauRounds = 0
        mode = .startup
        windowBytes = minimumWindowBytes
        updatePacingRate()
    }

    mutating func forget(bytes: Int) {
        removeFromFlight(bytes)
    }

    /// The sender has nothing more to send: samples until what is in flight is delivered
    /// are application-limited (unless the window is what held it back).
    mutating func applicationLimited() {
        guard bytesInFlight < windowBytes else { return }
        sampler.markApplicationLimited(bytesInFlight: bytesInFlight)
    }

    /// An application-limited sample counts only if it shows more than is known.
    private mutating func updateBandwidth(_ sample: DeliveryRateSampler.Sample, roundStarted: Bool, now: UInt64) {
        if roundStarted {
            roundStarts.append(RoundStart(
                delivered: sampler.delivered, atMicros: now, endedApplicationLimited: roundApplicationLimited,
                endedLargestSample: roundLargestSample))
            if roundStarts.count > Self.sampleRounds + 1 { roundStarts.removeFirst(roundStarts.count - Self.sampleRounds - 1) }
            roundApplicationLimited = false
            roundLargestSample = 0
        }
        roundApplicationLimited = roundApplicationLimited || sample.applicationLimited
        roundLargestSample = max(roundLargestSample, sample.bytesPerSecond)
        if mode == .startup {
            // An interval shorter than the round trip is acks arriving bunched, not the path.
            let rate = sample.bytesPerSecond
            if sample.intervalMicros > 0, sample.intervalMicros >= (minimumRoundTripMicros ?? 0),
               !sample.applicationLimited || rate >= bandwidthFilter.maximum {
                bandwidthFilter.update(rate, round: rounds)
            }
            return
        }
        guard roundStarted, roundStarts.count == Self.sampleRounds + 1, let first = roundStarts.first,
              now > first.atMicros, sampler.delivered >= first.delivered else { return }
        // Over the ack span only, acks held back and then released together would read as
        // a rate the path never carried: no more than the rounds' per-ack samples showed,
        // each bounded by the time its bytes took to send.
        let ackSpanRate = Double(sampler.delivered - first.delivered) * 1_000_000 / Double(now - first.atMicros)
        let rate = min(ackSpanRate, roundStarts.dropFirst().map(\.endedLargestSample).max() ?? 0)
        let limited = roundStarts.dropFirst().contains { $0.endedApplicationLimited }
        if !limited || rate >= bandwidthFilter.maximum { bandwidthFilter.update(rate, round: rounds) }
    }

    // MARK: - Modes

    private mutating func checkPlateau() {
        let bandwidth = bandwidthFilter.maximum
        if bandwidth >= plateauBandwidth * 1.25 {
            plateauBandwidth = bandwidth
            plateauRounds = 0
            return
        }
        plateauRounds += 1
        if plateauRounds >= 3 { filledPipe = true }
    }

    /// At a round's start, once enough was sent to tell: a loss rate far above random
    /// loss is a queue overflowing.
    private mutating func checkLoss() {
        let total = lossSampleLostBytes + lossSampleAckedBytes
        guard total >= Self.lossSampleDatagrams * maxDatagramBytes else { return }
        let rate = Double(lossSampleLostBytes) / Double(total)
        lossSampleLostBytes = 0
        lossSampleAckedBytes = 0
        guard rate > Self.congestiveLossRate else { return }
        congestionEvents += 1
        if bandwidthFilter.maximum > 0 {
            bandwidthCeiling = Self.lossBackoff * bandwidthBytesPerSecond
        }
        windowCeiling = max(Self.bytes(Self.lossBackoff * Double(windowBytes)), minimumWindowBytes)
        if mode == .startup { filledPipe = true }
    }

    private mutating func enterProbeBandwidth(_ now: UInt64) {
        mode = .probeBandwidth
        // Cruising first: drain has just emptied the queue.
        cycleIndex = 2
        cycleStartMicros = now
    }

    private mutating func advanceCycle(_ now: UInt64) {
        guard let rtt = minimumRoundTripMicros else { return }
        let phaseDone = now >= cycleStartMicros && now - cycleStartMicros > rtt
        let gain = Self.probeGains[cycleIndex]
        let advance: Bool
        if gain > 1 {
            // Probing: until the extra is in flight (or the path answered with loss).
            advance = phaseDone && (lostSinceLastAck || bytesInFlight >= (estimatedPathBytes(gain: gain) ?? 0))
        } else if gain < 1 {
            // Draining what the probe queued: done early once the queue is gone.
            advance = phaseDone || bytesInFlight <= (estimatedPathBytes() ?? 0)
        } else {
            advance = phaseDone
        }
        guard advance else { return }
        cycleIndex = (cycleIndex + 1) % Self.probeGains.count
        cycleStartMicros = now
        if cycleIndex == 0 {
            // Probing again: whatever a congestive round took back is offered again.
            bandwidthCeiling = .infinity
            windowCeiling = .max
        }
    }

    private var probeRoundTripWindowBytes: Int {
        max(estimatedPathBytes(gain: 0.5) ?? 0, minimumWindowBytes)
    }

    private mutating func enterProbeRoundTrip() {
        mode = .probeRoundTrip
        windowBeforeProbeRoundTrip = max(windowBytes, windowBeforeProbeRoundTrip)
        probeRoundTripEndMicros = nil
        probeRoundTripMinimumMicros = nil
    }

    private mutating func continueProbeRoundTrip(_ now: UInt64) {
        guard let end = probeRoundTripEndMicros else {
            if bytesInFlight <= probeRoundTripWindowBytes {
                probeRoundTripEndMicros = now + Self.probeRoundTripMicros
                probeRoundTripEndRound = rounds + 1
            }
            return
        }
        guard now >= end, rounds >= probeRoundTripEndRound else { return }
        // What was seen meanwhile is the minimum for the next 10 s.
        if let seen = probeRoundTripMinimumMicros { minimumRoundTripMicros = max(seen, 1) }
        probeRoundTripMinimumMicros = nil
        minimumRoundTripAtMicros = now
        windowBytes = max(windowBytes, windowBeforeProbeRoundTrip)
        windowBeforeProbeRoundTrip = 0
        probeRoundTripEndMicros = nil
        if filledPipe { enterProbeBandwidth(now) } else { mode = .startup }
    }

    // MARK: - Window and pacing

    private mutating func updateWindow() {
        if mode == .probeRoundTrip {
            windowBytes = min(windowBytes, probeRoundTripWindowBytes)
        } else {
            let gain = filledPipe ? Self.windowGain : Self.startupWindowGain
            let target = min(estimatedPathBytes(gain: gain) ?? initialWindowBytes, windowCeiling)
            if filledPipe {
                windowBytes = min(windowBytes + ackedThisAck, target)
            } else if windowBytes < target {
                // Toward its target only: not also by every byte of the first window
                // delivered, which doubled the initial window before the path was known.
                windowBytes = min(windowBytes + ackedThisAck, target)
            }
        }
        windowBytes = min(max(windowBytes, minimumWindowBytes), maximumWindowBytes, max(windowCeiling, minimumWindowBytes))
    }

    private mutating func updatePacingRate() {
        let bandwidth = bandwidthBytesPerSecond
        if bandwidth > 0 {
            pacingBytesPerSecond = pacingGain * bandwidth
        } else {
            let rtt = Double(max(minimumRoundTripMicros ?? Self.assumedRoundTripMicros, 1))
            pacingBytesPerSecond = pacingGain * Double(windowBytes) * 1_000_000 / rtt
        }
    }

    private func pacingIntervalMicros(bytes: Int) -> UInt64 {
        guard pacingBytesPerSecond > 0, pacingBytesPerSecond.isFinite else { return Self.maximumPacingIntervalMicros }
        let interval = Double(max(bytes, 0)) * 1_000_000 / pacingBytesPerSecond
        return interval >= Double(Self.maximumPacingIntervalMicros) ? Self.maximumPacingIntervalMicros : UInt64(interval)
    }

    private mutating func removeFromFlight(_ bytes: Int) {
        bytesInFlight = bytes > bytesInFlight ? 0 : bytesInFlight - max(bytes, 0)
    }

    /// A byte count from a model's product, clamped to what an Int window can be.
    static func bytes(_ value: Double) -> Int {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= Double(Int.max / 4) ? Int.max / 4 : Int(value)
    }
}
