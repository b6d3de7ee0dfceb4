import Testing
import Wire
@testable import Transport

/// Packets overtaken, not lost (`ReorderingTracker`): on a jittery link a packet declared
/// lost by count may still arrive. Before, its messages went again regardless, and every
/// later overtaking of the same distance was another false loss: on `cellular` a quarter
/// of the packets declared lost were acknowledged afterwards.
@Suite struct ReorderingTests {
    @Test func aLateAckCancelsTheRetransmissionAndWidensTheThreshold() throws {
        var s = CongestionControlTests.Sender(bulkBytes: 100_000)
        let flight = s.poll()
        #expect(flight.count >= 8)
        // 1, 2 and 3 overtake 0: declared lost by count, its fragment queued again.
        try s.ack([1, 2, 3], after: 50_000)
        #expect(s.link.statistics.packetsLost == 1)
        let requeued = try #require(s.link.bulkQueue.first)
        // 0 arrives after all.
        try s.ack([0], after: 1_000)
        #expect(s.link.statistics.spuriousLosses == 1)
        #expect(s.link.units[requeued] == nil, "what arrived is not queued again")
        #expect(s.link.bulkQueue.first != requeued)
        #expect(s.link.reordering.packetThreshold == 4, "overtaken by three: a fourth is needed now")
        // The same overtaking again is no loss any more.
        try s.ack([5, 6, 7], after: 1_000)
        #expect(s.link.statistics.packetsLost == 1, "4, overtaken by three, is not declared lost")
        // A real loss is still found, by the wider count.
        try s.ack([8], after: 1_000)
        #expect(s.link.statistics.packetsLost == 2, "overtaken by four: lost")
        // Everything else arrives; only 4's fragment goes again.
        try s.ack(flight.filter { $0 > 8 }, after: 1_000)
        let next = s.poll()
        #expect(!next.isEmpty)
        #expect(s.link.statistics.messagesRetransmitted == 1, "4's fragment, not 0's")
    }

    /// The late ack comes after the fragment was already sent again, and that copy is
    /// lost: the fragment did arrive (the first copy's ack says so), so nothing goes again
    /// and nothing is reported given up.
    @Test func aLateAckAfterTheResendMakesTheResendsLossHarmless() throws {
        var (s, flight, resent) = try Self.firstPacketLostAndResent()
        #expect(s.link.statistics.messagesRetransmitted == 1)
        let resend = try #require(resent.first)
        try s.ack([flight[0]], after: 1_000)
        #expect(s.link.statistics.spuriousLosses == 1)
        // Everything sent after the resend is acknowledged; the resend itself never is.
        try s.ack(Array(resent.dropFirst()) + s.poll(), after: 1_000)
        try s.ack(s.poll(), after: 400_000)
        #expect(s.link.statistics.packetsLost >= 2, "the resend (\(resend)) was declared lost")
        #expect(s.link.statistics.messagesRetransmitted == 1, "and not sent a third time")
        #expect(s.link.statistics.messagesGivenUp == 0)
        let output = s.link.poll(now: s.now + 10_000_000)
        #expect(output.gaveUp.isEmpty)
    }

    @Test func aTrueLossIsNotSpurious() throws {
        var (s, _, resent) = try Self.firstPacketLostAndResent()
        #expect(s.link.statistics.bytesRetransmitted > 0, "the lost fragment goes again")
        try s.ack(resent, after: 50_000)
        #expect(s.link.statistics.spuriousLosses == 0)
        #expect(s.link.reordering.packetThreshold == ReorderingTracker.initialPacketThreshold)
    }

    /// A window sent, every packet but the first acknowledged (so it is declared lost),
    /// and the next poll, which sends its fragment again.
    static func firstPacketLostAndResent() throws -> (CongestionControlTests.Sender, flight: [UInt64], resent: [UInt64]) {
        var s = CongestionControlTests.Sender(bulkBytes: 100_000)
        let flight = s.poll()
        try s.ack(Array(flight.dropFirst()), after: 50_000)
        #expect(s.link.statistics.packetsLost == 1)
        let resent = s.poll()
        return (s, flight, resent)
    }

    @Test func theThresholdAndTheMemoryAreBounded() {
        var tracker = ReorderingTracker()
        for pn in UInt64(0)..<100 { tracker.declaredLost(packet: pn, largestAcked: pn + 1_000, units: [pn]) }
        let arrived = tracker.acknowledged([AckRange(0, 99)])
        #expect(arrived.count == ReorderingTracker.capacity, "only the last \(ReorderingTracker.capacity) are remembered")
        #expect(arrived == Array(UInt64(36)..<100))
        #expect(tracker.packetThreshold == ReorderingTracker.maximumPacketThreshold)
        #expect(tracker.isEmpty)
        #expect(!tracker.isLostByReordering(10, largestAcked: 25))
        #expect(tracker.isLostByReordering(10, largestAcked: 26))
        #expect(!tracker.isLostByReordering(30, largestAcked: 26), "a packet above the largest acknowledged is never lost by count")
    }
}
