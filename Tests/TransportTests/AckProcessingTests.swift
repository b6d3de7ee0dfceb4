import Testing
import Wire
@testable import Transport

/// How `PeerLink` takes an ack: only packets still in flight, from the lowest one up,
/// whether it looks them up one by one or scans what is in flight — and in every case
/// each covered packet exactly once, none below the lowest acknowledged forgotten.
@Suite struct AckProcessingTests {
    typealias Sender = CongestionControlTests.Sender

    /// A bulk sender with its first flight out (packets 0, 1, …).
    static func flight() throws -> (Sender, [UInt64]) {
        var s = Sender(bulkBytes: 600_000)
        let flight = s.poll()
        try #require(flight.count >= 8)
        return (s, flight)
    }

    /// `lowestInFlight` is at or below every packet in flight (it may lag until the next ack).
    static func expectLowestIsABound(_ link: PeerLink, sourceLocation: SourceLocation = #_sourceLocation) {
        let bounded = link.sent.keys.allSatisfy { $0 >= link.lowestInFlight } && link.lowestInFlight <= link.packetsSent
        #expect(bounded, "lowestInFlight \(link.lowestInFlight) above a packet in flight", sourceLocation: sourceLocation)
    }

    @Test func anAckCoveringEverythingEverSentTakesWhatIsStillInFlight() throws {
        var (s, flight) = try Self.flight()
        try s.ack(Array(flight[0..<4]))
        #expect(s.link.packetsInFlight == flight.count - 4)
        // Then one range over every packet sent: the rest, each once.
        try s.ack(flight)
        #expect(s.link.packetsInFlight == 0)
        #expect(s.link.congestion.bytesInFlight == 0)
        #expect(s.link.statistics.packetsLost == 0)
        #expect(s.link.lowestInFlight == s.link.packetsSent, "nothing in flight: the next packet")
    }

    @Test func aPacketBelowTheAcknowledgedOnesIsTakenWhenItsAckComesLate() throws {
        var (s, flight) = try Self.flight()
        // Packets 1 and 2 arrive first: 0 is not yet lost (only two later ones acknowledged,
        // and less than 9/8 RTT since it went).
        try s.ack([flight[1], flight[2]])
        #expect(s.link.packetsInFlight == flight.count - 2)
        #expect(s.link.lowestInFlight <= flight[0], "the lowest in flight is still packet 0")
        Self.expectLowestIsABound(s.link)
        try s.ack([flight[0], flight[1], flight[2]], after: 1_000)
        #expect(s.link.packetsInFlight == flight.count - 3, "packet 0 taken, late")
        Self.expectLowestIsABound(s.link)
        #expect(s.link.statistics.packetsLost == 0)
    }

    @Test func anAckSpanningMoreNumbersThanPacketsInFlightScansThemOnce() throws {
        var (s, flight) = try Self.flight()
        // Packet 3 alone: 0 is lost (three later), 1 and 2 stay in flight; then one range
        // over the whole flight covers more numbers than are in flight.
        try s.ack([flight[3]])
        #expect(s.link.statistics.packetsLost == 1)
        let inFlight = s.link.packetsInFlight
        #expect(inFlight == flight.count - 2)
        Self.expectLowestIsABound(s.link)
        try s.ack(flight, after: 1_000)
        #expect(s.link.packetsInFlight == 0)
        #expect(s.link.congestion.bytesInFlight == 0)
        #expect(s.link.statistics.packetsLost == 1, "an ack for a packet already declared lost changes nothing")
    }

    @Test func coveringIsABinarySearchOverDescendingRanges() {
        let ranges = [AckRange(20, 30), AckRange(10, 12), AckRange(0, 3)]
        let covered = (0...35).filter { PeerLink.covers(ranges, UInt64($0)) }
        #expect(covered == Array(0...3) + Array(10...12) + Array(20...30))
        #expect(!PeerLink.covers([], 0))
    }
}
