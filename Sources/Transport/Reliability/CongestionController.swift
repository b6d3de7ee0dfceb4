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
    private(set) var newReno: NewRenoController?
    private(set) var model: BandwidthModelController?

    init(_ algorithm: CongestionControlAlgorithm, maxDatagramBytes: Int, maximumWindowBytes: Int) {
        self.algorithm = algorithm
        switch algorithm {
        case .newReno: newReno = NewRenoController(maxDatagramBytes: maxDatagramBytes, maximumWindowBytes: maximumWindowBytes)
        case .bandwidthModel: model = BandwidthModelController(maxDatagramBytes: maxDatagramBytes, maximumWindowBytes: maximumWindowBytes)
        }
    }

    var maxDatagramBytes: Int { model?.maxDatagramBytes ?? newReno?.maxDatagramBytes ?? 1 }
    var maximumWindowBytes: Int { model?.maximumWindowBytes ?? newReno?.maximumWindowBytes ?? 0 }
    var minimumWindowBytes: Int { model?.minimumWindowBytes ?? newReno?.minimumWindowBytes ?? 0 }
    var initialWindowBytes: Int { model?.initialWindowBytes ?? newReno?.initialWindowBytes ?? 0 }
    var windowBytes: Int { model?.windowBytes ?? newReno?.windowBytes ?? 0 }
    var bytesInFlight: Int { model?.bytesInFlight ?? newReno?.bytesInFlight ?? 0 }
    var congestionEvents: Int { model?.congestionEvents ?? newReno?.congestionEvents ?? 0 }
    var persistentCongestionEvents: Int { model?.persistentCongestionEvents ?? newReno?.persistentCongestionEvents ?? 0 }
    /// NewReno's slow start, or the model's startup.
    var inSlowStart: Bool { model.map { $0.mode == .startup } ?? newReno?.inSlowStart ?? false }
    var delayExits: Int { newReno?.delayExits ?? 0 }
    /// The pacing rate and the bottleneck estimate, in bytes per second (0: not paced).
    var pacingBytesPerSecond: Double { model?.pacingBytesPerSecond ?? 0 }
    var bandwidthBytesPerSecond: Double { model?.bandwidthBytesPerSecond ?? 0 }

    /// Whether an ack-eliciting datagram may go, with `extraBytes` beyond the window.
    func allowsSending(extraBytes: Int = 0) -> Bool {
        model?.allowsSending(extraBytes: extraBytes) ?? newReno?.allowsSending(extraBytes: extraBytes) ?? true
    }

    /// Whether the pacer lets a datagram go now (NewReno does not pace).
    func pacingAllows(now: UInt64) -> Bool { model?.pacingAllows(now: now) ?? true }

    /// When the pacer lets the next datagram go (nil: it does not hold one back).
    func nextSendMicros(now: UInt64) -> UInt64? {
        guard let next = model?.nextSendMicros, next > now else { return nil }
        return next
    }

    /// Whether a datagram sent now would fill the window (NewReno grows only then).
    func fillsWindow(afterSending bytes: Int) -> Bool { newReno?.fillsWindow(afterSending: bytes) ?? false }

    mutating func sent(bytes: Int, now: UInt64) -> DeliveryRateSampler.PacketState {
        newReno?.sent(bytes: bytes)
        return model?.sent(bytes: bytes, now: now) ?? DeliveryRateSampler.PacketState()
    }

    mutating func acknowledged(bytes: Int, sentAtMicros: UInt64, windowLimited: Bool, delivery: DeliveryRateSampler.PacketState, now: UInt64) {
        newReno?.acknowledged(bytes: bytes, sentAtMicros: sentAtMicros, windowLimited: windowLimited)
        model?.acknowledged(bytes: bytes, state: delivery, now: now)
    }

    /// Every packet an ack covers has been told.
    mutating func ackProcessed(now: UInt64) {
        model?.ackProcessed(now: now)
    }

    mutating func roundTrip(sampleMicros: UInt64, ordinal: UInt64, sentOrdinal: UInt64) {
        newReno?.roundTrip(sampleMicros: sampleMicros, ordinal: ordinal, sentOrdinal: sentOrdinal)
    }

    mutating func lost(bytes: Int, latestSentAtMicros: UInt64, now: UInt64) {
        newReno?.lost(bytes: bytes, latestSentAtMicros: latestSentAtMicros, now: now)
        model?.lost(bytes: bytes)
    }

    mutating func persistentCongestion() {
        newReno?.persistentCongestion()
        model?.persistentCongestion()
    }

    mutating func forget(bytes: Int) {
        newReno?.forget(bytes: bytes)
        model?.forget(bytes: bytes)
    }

    /// Nothing more waits to be sent.
    mutating func applicationLimited() {
        model?.applicationLimited()
    }
}
