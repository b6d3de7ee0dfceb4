import NetworkModel
@testable import Transport

/// A path of one bottleneck for `BandwidthModelController` on its own: datagrams go when
/// the window and the pacer allow, are lost at random (before the bottleneck, as
/// `LinkEmulator` loses them), wait their turn at `bytesPerSecond` and come back acked
/// after `roundTripMicros` (± `jitterMicros`, uniform, per datagram: acks then bunch and
/// overtake each other, as on `LinkEmulator`'s links); a lost one is declared lost when a
/// datagram sent after it is acknowledged. Time moves from event to event.
struct BottleneckPath {
    struct InFlight {
        var bytes: Int
        var state: DeliveryRateSampler.PacketState
        var ackAt: UInt64?
        var sequence: Int
    }

    var controller = BandwidthModelController(maxDatagramBytes: 1228, maximumWindowBytes: 256 * 1228)
    var bytesPerSecond: Double
    var roundTripMicros: UInt64
    var loss: Double
    var jitterMicros: UInt64
    var random: SeededRandom
    var now: UInt64 = 1_000
    var bottleneckFreeAt: UInt64 = 0
    var flight: [InFlight] = []
    var sequence = 0
    /// Datagrams the sender may still send (nil: always has more).
    var budget: Int?
    var datagramBytes = 1228
    /// Acks due within this stretch are held to its end and then arrive in a burst (a
    /// receiver or a middlebox that stalls: ack compression).
    var ackStall: Range<UInt64>?
    /// The largest queue at the bottleneck seen, in microseconds of waiting.
    var largestQueueMicros: UInt64 = 0

    init(bytesPerSecond: Double, roundTripMicros: UInt64, loss: Double = 0, jitterMicros: UInt64 = 0, seed: UInt64 = 1) {
        self.bytesPerSecond = bytesPerSecond
        self.roundTripMicros = roundTripMicros
        self.loss = loss
        self.jitterMicros = min(jitterMicros, roundTripMicros)
        random = SeededRandom(seed: seed)
    }

    /// Sends what may go now, then moves to the next ack or pacer time.
    mutating func step() {
        while controller.allowsSending(), controller.pacingAllows(now: now), budget.map({ $0 > 0 }) ?? true {
            let state = controller.sent(bytes: datagramBytes, now: now)
            budget = budget.map { $0 - 1 }
            sequence += 1
            var ackAt: UInt64?
            if !random.chance(loss) {
                let start = max(now, bottleneckFreeAt)
                largestQueueMicros = max(largestQueueMicros, start - now)
                bottleneckFreeAt = start + UInt64(Double(datagramBytes) * 1_000_000 / bytesPerSecond)
                let jitter = jitterMicros == 0 ? 0 : random.next() % (2 * jitterMicros + 1)
                ackAt = bottleneckFreeAt + roundTripMicros - jitterMicros + jitter
                if let stall = ackStall, let due = ackAt, stall.contains(due) {
                    // Released one after another, 0.1 ms apart, in the order they were held.
                    ackAt = stall.upperBound + (due - stall.lowerBound) / 1_000 * 100
                }
            }
            flight.append(InFlight(bytes: datagramBytes, state: state, ackAt: ackAt, sequence: sequence))
        }
        if budget == 0 { controller.applicationLimited() }
        let nextAck = flight.compactMap(\.ackAt).min()
        let pacer = controller.allowsSending() && (budget.map { $0 > 0 } ?? true) ? controller.nextSendMicros : nil
        if nextAck == nil, !flight.isEmpty {
            // Everything in flight lost: found by a probe timeout, in effect.
            controller.lost(bytes: flight.reduce(0) { $0 + $1.bytes })
            flight = []
            return
        }
        guard let next = [nextAck, pacer].compactMap({ $0 }).min() else { return }
        now = max(now, next)
        // Acks due now, then the losses they reveal.
        let due = flight.filter { $0.ackAt.map { $0 <= now } ?? false }
        guard let newest = due.map(\.sequence).max() else { return }
        for packet in due { controller.acknowledged(bytes: packet.bytes, state: packet.state, now: now) }
        flight.removeAll { $0.ackAt.map { $0 <= now } ?? false }
        controller.ackProcessed(now: now)
        let lost = flight.filter { $0.ackAt == nil && $0.sequence < newest }
        if !lost.isEmpty {
            controller.lost(bytes: lost.reduce(0) { $0 + $1.bytes })
            flight.removeAll { $0.ackAt == nil && $0.sequence < newest }
        }
    }

    mutating func run(forMicros micros: UInt64) {
        let end = now + micros
        while now < end {
            let before = now
            step()
            if now == before { now += 1_000 }
        }
    }
}
