/// Which congestion controller a link runs.
public enum CongestionControlAlgorithm: String, Sendable, CaseIterable {
    /// The path model (`BandwidthModelController`): paced at the measured bottleneck
    /// rate, random loss not read as congestion.
    case bandwidthModel = "model"
    /// RFC 9002's NewReno with a HyStart++-style exit (`NewRenoController`): halves on loss.
    case newReno = "newreno"
}

/// The congestion controller of one link, whichever algorithm it runs: what `PeerLink`
/// asks (may a datagram go, and when) and tells (sent, acknowledged, lost). Exactly one of
/// the two controllers is present; each is changed where it lies. Pure: times are inputs.
struct CongestionController: Sendable, Equatable {
    let algorithm: CongestionControlAlgorithm
    // Both are kept, only `algorithm`'s is used: read out of an Optional, a controller
    // was copied whole (hundreds of bytes, its arrays retained) for every question asked,
    // several times a datagram; a plain stored one is asked where it lies.
    private var newRenoState: NewRenoController
    private var modelState: BandwidthModelController
    var newReno: NewRenoController? { algorithm == .newReno ? newRenoState : nil }
    var model: BandwidthModelController? { algorithm == .bandwidthModel ? modelState : nil }
    private var isModel: Bool { algorithm == .bandwidthModel }

    init(_ algorithm: CongestionControlAlgorithm, maxDatagramBytes: Int, maximumWindowBytes: Int) {
        self.algorithm = algorithm
        newRenoState = NewRenoController(maxDatagramBytes: maxDatagramBytes, maximumWindowBytes: maximumWindowBytes)
        modelState = BandwidthModelController(maxDatagramBytes: maxDatagramBytes, maximumWindowBytes: maximumWindowBytes)
    }

    var maxDatagramBytes: Int { isModel ? modelState.maxDatagramBytes : newRenoState.maxDatagramBytes }
    var maximumWindowBytes: Int { isModel ? modelState.maximumWindowBytes : newRenoState.maximumWindowBytes }
    var minimumWindowBytes: Int { isModel ? modelState.minimumWindowBytes : newRenoState.minimumWindowBytes }
    var initialWindowBytes: Int { isModel ? modelState.initialWindowBytes : newRenoState.initialWindowBytes }
    var windowBytes: Int { isModel ? modelState.windowBytes : newRenoState.windowBytes }
    var bytesInFlight: Int { isModel ? modelState.bytesInFlight : newRenoState.bytesInFlight }
    var congestionEvents: Int { isModel ? modelState.congestionEvents : newRenoState.congestionEvents }
    var persistentCongestionEvents: Int { isModel ? modelState.persistentCongestionEvents : newRenoState.persistentCongestionEvents }
    /// NewReno's slow start, or the model's startup.
    var inSlowStart: Bool { isModel ? modelState.mode == .startup : newRenoState.inSlowStart }
    var delayExits: Int { isModel ? 0 : newRenoState.delayExits }
    /// The pacing rate and the bottleneck estimate, in bytes per second (0: not paced).
    var pacingBytesPerSecond: Double { isModel ? modelState.pacingBytesPerSecond : 0 }
    var bandwidthBytesPerSecond: Double { isModel ? modelState.bandwidthBytesPerSecond : 0 }

    /// Whether an ack-eliciting datagram may go, with `extraBytes` beyond the window.
    func allowsSending(extraBytes: Int = 0) -> Bool {
        isModel ? modelState.allowsSending(extraBytes: extraBytes) : newRenoState.allowsSending(extraBytes: extraBytes)
    }

    /// Whether the pacer lets a datagram go now (NewReno does not pace).
    func pacingAllows(now: UInt64) -> Bool { isModel ? modelState.pacingAllows(now: now) : true }

    /// When the pacer lets the next datagram go (nil: it does not hold one back).
    func nextSendMicros(now: UInt64) -> UInt64? {
        guard isModel, modelState.nextSendMicros > now else { return nil }
        return modelState.nextSendMicros
    }

    /// Whether a datagram sent now would fill the window (NewReno grows only then).
    func fillsWindow(afterSending bytes: Int) -> Bool { isModel ? false : newRenoState.fillsWindow(afterSending: bytes) }

    mutating func sent(bytes: Int, now: UInt64) -> DeliveryRateSampler.PacketState {
        guard isModel else {
            newRenoState.sent(bytes: bytes)
            return DeliveryRateSampler.PacketState()
        }
        return modelState.sent(bytes: bytes, now: now)
    }

    mutating func acknowledged(bytes: Int, sentAtMicros: UInt64, windowLimited: Bool, delivery: DeliveryRateSampler.PacketState, now: UInt64) {
        if isModel {
            modelState.acknowledged(bytes: bytes, state: delivery, now: now)
        } else {
            newRenoState.acknowledged(bytes: bytes, sentAtMicros: sentAtMicros, windowLimited: windowLimited)
        }
    }

    /// Every packet an ack covers has been told.
    mutating func ackProcessed(now: UInt64) {
        if isModel { modelState.ackProcessed(now: now) }
    }

    mutating func roundTrip(sampleMicros: UInt64, ordinal: UInt64, sentOrdinal: UInt64) {
        if !isModel { newRenoState.roundTrip(sampleMicros: sampleMicros, ordinal: ordinal, sentOrdinal: sentOrdinal) }
    }

    mutating func lost(bytes: Int, latestSentAtMicros: UInt64, now: UInt64) {
        if isModel {
            modelState.lost(bytes: bytes)
        } else {
            newRenoState.lost(bytes: bytes, latestSentAtMicros: latestSentAtMicros, now: now)
        }
    }

    mutating func persistentCongestion() {
        if isModel { modelState.persistentCongestion() } else { newRenoState.persistentCongestion() }
    }

    mutating func forget(bytes: Int) {
        if isModel { modelState.forget(bytes: bytes) } else { newRenoState.forget(bytes: bytes) }
    }

    /// Nothing more waits to be sent.
    mutating func applicationLimited() {
        if isModel { modelState.applicationLimited() }
    }
}
