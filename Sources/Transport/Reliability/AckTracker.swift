import Wire

/// The receive side of acknowledgement for one peer: which packet numbers arrived, and
/// when an ack frame is due — after at most `maxDelayMicros`, after every second
/// ack-eliciting packet, or at once when a gap shows a packet missing.
public struct AckTracker: Sendable, Equatable {
    public var maxDelayMicros: UInt64 = 25_000
    public var maxRanges: Int = WireLimits.default.maxAckRanges + 1

    /// Received packet numbers as descending, non-adjacent closed ranges.
    public private(set) var ranges: [AckRange] = []
    /// When the oldest ack-eliciting packet not yet acknowledged arrived.
    public private(set) var pendingSince: UInt64?
    private var unackedElicitingCount = 0
    private var gapSeen = false
    /// Set by `hurry`: what is pending is acknowledged at once.
    private var hurried = false
    private var largestReceivedAt: UInt64 = 0

    public init() {}

    public enum Receipt: Equatable, Sendable {
        case new
        /// Already received: the message inside must not be delivered again.
        case duplicate
    }

    /// Whether `packet` was already received (and so will be acknowledged).
    public func contains(_ packet: UInt64) -> Bool {
        ranges.contains { $0.lowest <= packet && packet <= $0.highest }
    }

    public mutating func received(_ packet: UInt64, ackEliciting: Bool, at now: UInt64) -> Receipt {
        if contains(packet) { return .duplicate }
        let largest = ranges.first?.highest
        if let largest, packet != largest + 1 { gapSeen = true }
        insert(packet)
        if packet == ranges.first?.highest { largestReceivedAt = now }
        if ackEliciting {
            unackedElicitingCount += 1
            if pendingSince == nil { pendingSince = now }
        }
        return .new
    }

    /// Makes the ack of what is pending due now, e.g. when the node stops: what it delivered
    /// is then acknowledged, not sent again to its next incarnation.
    public mutating func hurry() {
        if pendingSince != nil { hurried = true }
    }

    /// When an ack must go out at the latest (nil: none pending).
    public var ackDeadline: UInt64? {
        guard let since = pendingSince else { return nil }
        if unackedElicitingCount >= 2 || gapSeen || hurried { return since }
        return since + maxDelayMicros
    }

    /// The ack frame to send now (also piggybacked on data), with the delay since the
    /// largest packet arrived; nil before anything arrived.
    public mutating func makeAck(at now: UInt64) -> AckFrame? {
        guard !ranges.isEmpty else { return nil }
        pendingSince = nil
        unackedElicitingCount = 0
        gapSeen = false
        hurried = false
        let delay = now >= largestReceivedAt ? now - largestReceivedAt : 0
        // Usually every range fits: then the frame shares this array instead of copying it.
        return AckFrame(ranges: ranges.count <= maxRanges ? ranges : Array(ranges.prefix(maxRanges)), delayMicros: delay)
    }

    private mutating func insert(_ packet: UInt64) {
        var i = 0
        while i < ranges.count && ranges[i].lowest > packet + 1 { i += 1 }
        if i == ranges.count || ranges[i].highest + 1 < packet {
            ranges.insert(AckRange(packet, packet), at: i)
        } else {
            ranges[i].lowest = min(ranges[i].lowest, packet)
            ranges[i].highest = max(ranges[i].highest, packet)
        }
        // Merge with the next (lower) range when they now touch.
        if i + 1 < ranges.count, ranges[i + 1].highest + 1 >= ranges[i].lowest {
            ranges[i].lowest = min(ranges[i].lowest, ranges[i + 1].lowest)
            ranges.remove(at: i + 1)
        }
        if i > 0, ranges[i].highest + 1 >= ranges[i - 1].lowest {
            ranges[i - 1].lowest = min(ranges[i - 1].lowest, ranges[i].lowest)
            ranges.remove(at: i)
        }
        // Old history beyond what an ack frame can carry is forgotten; a packet that old
        // arriving again is caught by the replay window before it gets here.
        if ranges.count > 4 * maxRanges { ranges.removeLast(ranges.count - 4 * maxRanges) }
    }
}
