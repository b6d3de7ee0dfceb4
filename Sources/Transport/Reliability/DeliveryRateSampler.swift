/// Delivery-rate samples of one link, in the manner of draft-cheng-iccrg-delivery-rate-
/// estimation: each packet remembers how much had been delivered when it was sent, and
/// when; its ack then gives the bytes delivered over the interval between (the longer of
/// the send and the ack spans, so neither a burst of sends nor a burst of acks inflates
/// it). A sample from a packet sent while the sender had nothing more to send is marked
/// application-limited: it says how much the application offered, not what the path can
/// carry. Pure: times are inputs.
struct DeliveryRateSampler: Sendable, Equatable {
    /// What a packet remembers from when it was sent.
    struct PacketState: Sendable, Equatable {
        var delivered: UInt64 = 0
        var deliveredAtMicros: UInt64 = 0
        var firstSentAtMicros: UInt64 = 0
        var sentAtMicros: UInt64 = 0
        var applicationLimited = false
    }

    /// One ack's sample, from the most recently sent packet it acknowledged.
    struct Sample: Sendable, Equatable {
        var deliveredBytes: UInt64
        var intervalMicros: UInt64
        var applicationLimited: Bool
        /// `delivered` when that packet was sent: round trips are counted by it.
        var priorDelivered: UInt64
        /// Send to ack of that packet (ack delay included; the minimum filters it out).
        var roundTripMicros: UInt64

        /// Bytes per second (0 for an empty interval).
        var bytesPerSecond: Double {
            intervalMicros == 0 ? 0 : Double(deliveredBytes) * 1_000_000 / Double(intervalMicros)
        }
    }

    /// Bytes acknowledged so far.
    private(set) var delivered: UInt64 = 0
    private var deliveredAtMicros: UInt64 = 0
    private var firstSentAtMicros: UInt64 = 0
    /// While nonzero, packets sent are application-limited; cleared once `delivered`
    /// passes it (everything in flight when the sender ran dry has been acknowledged).
    private var applicationLimitedUntil: UInt64 = 0
    /// The newest packet acknowledged by the ack being processed.
    private var newest: PacketState?

    var isApplicationLimited: Bool { applicationLimitedUntil != 0 }

    /// A packet goes now, with `bytesInFlight` before it: its state to keep.
    mutating func sending(now: UInt64, bytesInFlight: Int) -> PacketState {
        if bytesInFlight == 0 {
            // From idle: the intervals start now, not at the last ack long ago.
            firstSentAtMicros = now
            deliveredAtMicros = now
        }
        return PacketState(
            delivered: delivered, deliveredAtMicros: deliveredAtMicros, firstSentAtMicros: firstSentAtMicros,
            sentAtMicros: now, applicationLimited: applicationLimitedUntil != 0)
    }

    /// A packet in flight was acknowledged (call for each, then `takeSample`).
    mutating func acknowledged(bytes: Int, state: PacketState, now: UInt64) {
        let (sum, overflow) = delivered.addingReportingOverflow(UInt64(max(bytes, 0)))
        delivered = overflow ? .max : sum
        deliveredAtMicros = max(deliveredAtMicros, now)
        if let current = newest, (current.delivered, current.sentAtMicros) > (state.delivered, state.sentAtMicros) { return }
        newest = state
        firstSentAtMicros = state.sentAtMicros
    }

    /// The sample of the ack just processed (nil if it acknowledged nothing in flight).
    mutating func takeSample() -> Sample? {
        guard let packet = newest else { return nil }
        newest = nil
        if applicationLimitedUntil != 0 && delivered > applicationLimitedUntil { applicationLimitedUntil = 0 }
        let sendSpan = packet.sentAtMicros >= packet.firstSentAtMicros ? packet.sentAtMicros - packet.firstSentAtMicros : 0
        let ackSpan = deliveredAtMicros >= packet.deliveredAtMicros ? deliveredAtMicros - packet.deliveredAtMicros : 0
        return Sample(
            deliveredBytes: delivered >= packet.delivered ? delivered - packet.delivered : 0,
            intervalMicros: max(sendSpan, ackSpan), applicationLimited: packet.applicationLimited,
            priorDelivered: packet.delivered,
            roundTripMicros: deliveredAtMicros >= packet.sentAtMicros ? deliveredAtMicros - packet.sentAtMicros : 0)
    }

    /// The sender has nothing more to send and room in its window: what is in flight
    /// now, once delivered, ends the application-limited stretch.
    mutating func markApplicationLimited(bytesInFlight: Int) {
        let (sum, overflow) = delivered.addingReportingOverflow(UInt64(max(bytesInFlight, 0)))
        applicationLimitedUntil = max(overflow ? .max : sum, 1)
    }
}
