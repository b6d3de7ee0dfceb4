import Testing
import Wire
@testable import Transport

/// The congestion window of `PeerLink` with NewReno (RFC 9002 §7; the path model has
/// `PathModelCongestionTests`), driven by a peer played by the test: it acknowledges whole flights after a round trip, or leaves some out.
@Suite struct CongestionControlTests {
    static let datagram = TransportDefaults.payloadBudget + TransportDefaults.overheadBytes

    static func snapshot(bytes: Int) -> Message {
        .installSnapshot(InstallSnapshot(
            term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: true,
            data: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 13) }))
    }

    struct Sender {
        var link = PeerLink(peer: 2, sealer: .plain(clusterID: 1, sender: 1))
        var now: UInt64 = 1_000
        var peerPacket: UInt64 = 0
        /// Sizes of the datagrams sent, by packet number.
        var sizes: [UInt64: Int] = [:]

        init(bulkBytes: Int, congestionControl: CongestionControlAlgorithm = .newReno) {
            var config = PeerLinkConfig()
            config.congestionControl = congestionControl
            link = PeerLink(peer: 2, sealer: .plain(clusterID: 1, sender: 1), config: config)
            link.enqueue(OutgoingMessage(CongestionControlTests.snapshot(bytes: bulkBytes), trafficClass: .bulk, deadlineMicros: .max))
        }

        var window: Int { link.congestion.windowBytes }

        /// Polls once; returns the packet numbers of the datagrams sent.
        mutating func poll() -> [UInt64] {
            let first = link.packetsSent
            let datagrams = link.poll(now: now).datagrams
            for (i, d) in datagrams.enumerated() { sizes[first + UInt64(i)] = d.count }
            return (0..<UInt64(datagrams.count)).map { first + $0 }
        }

        /// The peer acknowledges `packets` (any order) after `delay`.
        mutating func ack(_ packets: [UInt64], after delay: UInt64 = 100_000) throws {
            now += delay
            var ranges: [AckRange] = []
            for pn in packets.sorted(by: >) {
                if let last = ranges.last, last.lowest == pn + 1 { ranges[ranges.count - 1].lowest = pn } else { ranges.append(AckRange(pn, pn)) }
            }
            let frame = try #require(AckFrame(ranges: ranges, delayMicros: 0))
            let header = DatagramHeader(
                kind: .sealed, ackEliciting: false, clusterID: 1, receiverIndex: 1, packetNumber: try #require(PacketNumber(peerPacket)))
            peerPacket += 1
            _ = link.receive(OpenedDatagram(header: header, payload: Payload.encode([.ack(frame)])), now: now)
        }
    }

    @Test func slowStartDoublesTheFlightEveryRoundTrip() throws {
        var s = Sender(bulkBytes: 600_000)
        var flights: [Int] = []
        for _ in 0..<5 {
            let flight = s.poll()
            flights.append(flight.count)
            try s.ack(flight)
        }
        // The initial window, 10 × 1,228 bytes: as many of these datagrams as start below it.
        let size = try #require(s.sizes[0])
        #expect(flights[0] == (s.link.congestion.initialWindowBytes + size - 1) / size, "not 256 packets at once: \(flights)")
        for k in 1..<flights.count {
            #expect(abs(flights[k] - 2 * flights[k - 1]) <= 1, "round \(k): \(flights)")
        }
        #expect(s.link.statistics.congestionEvents == 0)
    }

    @Test func lossHalvesTheWindowOncePerRecoveryPeriod() throws {
        var s = Sender(bulkBytes: 600_000)
        try s.ack(s.poll())
        let flight = s.poll()
        #expect(flight.count > 20)
        // Four packets of the flight lost, found by one ack: one reduction, to half the
        // window as it stood (grown by the packets this ack covers).
        let lost: Set<UInt64> = [flight[0], flight[1], flight[2], flight[8]]
        let firstAck = flight[0..<12].filter { !lost.contains($0) }
        let before = s.window
        try s.ack(firstAck)
        let grown = before + firstAck.reduce(0) { $0 + (s.sizes[$1] ?? 0) }
        #expect(s.link.statistics.congestionEvents == 1)
        #expect(s.link.statistics.packetsLost == 4)
        #expect(s.window == grown / 2, "halved once: \(before) grew to \(grown), now \(s.window)")
        let halved = s.window
        // More of the same flight lost (sent before the recovery began): no second
        // reduction, and the acknowledged rest does not grow the window either.
        let rest = Array(flight[12...])
        try s.ack(rest.filter { $0 != rest[2] })
        #expect(s.link.statistics.packetsLost == 5)
        #expect(s.link.statistics.congestionEvents == 1, "still the same recovery period")
        #expect(s.window == halved)
        // A loss among packets sent after the recovery began starts a new period.
        let next = s.poll()
        #expect(!next.isEmpty)
        try s.ack(next.filter { $0 != next[0] })
        #expect(s.link.statistics.congestionEvents == 2)
        #expect(s.window < halved)
    }

    @Test func aProbeTimeoutSendsTwoProbesNotEverythingInFlight() throws {
        var s = Sender(bulkBytes: 600_000)
        try s.ack(s.poll())
        let flight = s.poll()
        #expect(flight.count > 20)
        // Silence: every PTO (backing off) sends at most two probes.
        var probes: [UInt64] = []
        for _ in 0..<300 {
            s.now += 10_000
            let sent = s.poll()
            #expect(sent.count <= 2, "a PTO sends probes, not the \(flight.count) packets in flight")
            probes += sent
        }
        #expect(s.link.statistics.probeTimeouts >= 2)
        #expect(probes.count <= 2 * s.link.statistics.probeTimeouts)
        #expect(s.link.statistics.packetsLost == 0, "a PTO declares nothing lost")
        #expect(s.link.statistics.congestionEvents == 0)
    }

    @Test func persistentCongestionCollapsesTheWindowToTheMinimum() throws {
        var s = Sender(bulkBytes: 600_000)
        try s.ack(s.poll())
        _ = s.poll()
        var probes: [UInt64] = []
        for _ in 0..<300 {
            s.now += 10_000
            probes += s.poll()
        }
        let last = try #require(probes.last)
        // Only the last probe arrives: everything sent over the three seconds before it
        // was lost, with no acknowledged packet among them.
        try s.ack([last], after: 10_000)
        #expect(s.link.statistics.persistentCongestionEvents == 1)
        #expect(s.window == 2 * Self.datagram, "the minimum window")
        #expect(s.poll().count <= 3)
        #expect(s.link.congestion.bytesInFlight < s.window + Self.datagram)
    }

    @Test func controlTrafficOvertakesQueuedBulkAndUsesItsReserve() throws {
        var s = Sender(bulkBytes: 600_000)
        let flight = s.poll()
        #expect(!flight.isEmpty)
        #expect(s.poll().isEmpty, "the window is full: bulk waits for acknowledgements")
        // A vote and a heartbeat, queued behind hundreds of fragments, go at once.
        let vote = Message.requestVote(RequestVote(term: 9, lastLogIndex: 4, lastLogTerm: 3))
        let heartbeat = Message.appendEntries(AppendEntries(term: 9, prevLogIndex: 4, prevLogTerm: 3, leaderCommit: 4, entries: []))
        s.link.enqueue(OutgoingMessage(vote, trafficClass: .control, deadlineMicros: .max))
        s.link.enqueue(OutgoingMessage(heartbeat, reliable: false, trafficClass: .control, deadlineMicros: .max, supersedeKey: "heartbeat"))
        let datagrams = s.link.poll(now: s.now).datagrams
        #expect(datagrams.count == 1, "before: nothing until 256 packets were acknowledged")
        let frames = try datagrams.first.map { try Payload.decode(Array($0.dropFirst(DatagramHeader.size))) } ?? []
        #expect(frames.contains(vote) && frames.contains(heartbeat))
        #expect(!frames.contains { if case .fragment = $0 { true } else { false } }, "no bulk beyond the window")
        #expect(s.link.congestion.bytesInFlight <= s.window + s.link.controlReserveBytes)
    }

    @Test func aHeartbeatGoesEvenWhenBulkSentBeforeALossStillFillsTheHalvedWindow() throws {
        var s = Sender(bulkBytes: 600_000)
        try s.ack(s.poll())
        let flight = s.poll()
        // Three acknowledged, the three before them lost: the window halves while most of
        // the flight is still out.
        try s.ack(Array(flight[3..<6]))
        #expect(s.link.statistics.congestionEvents == 1)
        #expect(s.link.congestion.bytesInFlight >= s.window + s.link.controlReserveBytes, "window and reserve are both full")
        #expect(s.poll().isEmpty, "bulk, retransmissions included, waits")
        let heartbeat = Message.appendEntries(AppendEntries(term: 9, prevLogIndex: 4, prevLogTerm: 3, leaderCommit: 4, entries: []))
        s.link.enqueue(OutgoingMessage(heartbeat, reliable: false, trafficClass: .control, deadlineMicros: .max, supersedeKey: "heartbeat"))
        let datagrams = s.link.poll(now: s.now).datagrams
        #expect(datagrams.count == 1, "control has its reserve of its own")
        let frames = try datagrams.first.map { try Payload.decode(Array($0.dropFirst(DatagramHeader.size))) } ?? []
        #expect(frames == [heartbeat])
    }

    /// Each packet of a flight acknowledged on its own, the first after `rtt`.
    static func ackOneByOne(_ s: inout Sender, _ flight: [UInt64], rtt: UInt64) throws {
        let start = s.now
        for (i, pn) in flight.enumerated() {
            s.now = start + rtt + UInt64(i) * 1_000
            try s.ack([pn], after: 0)
        }
    }

    @Test func aRisingRoundTripEndsSlowStartBeforeAnyLoss() throws {
        var steady = Sender(bulkBytes: 600_000)
        var rising = Sender(bulkBytes: 600_000)
        for round in 0..<3 {
            try Self.ackOneByOne(&steady, steady.poll(), rtt: 100_000)
            // The bottleneck's queue grows: each round's smallest RTT 50 ms above the last.
            try Self.ackOneByOne(&rising, rising.poll(), rtt: 100_000 + UInt64(round) * 50_000)
        }
        #expect(steady.link.congestion.inSlowStart, "a steady round trip: still in slow start")
        #expect(!rising.link.congestion.inSlowStart, "before: slow start until the queue overflowed")
        #expect(rising.link.congestion.delayExits == 1)
        #expect(rising.link.statistics.congestionEvents == 0, "no loss was needed")
        #expect(rising.window < steady.window)
    }

    @Test func aSenderWithLittleToSendDoesNotGrowItsWindow() throws {
        var s = Sender(bulkBytes: 0)
        try s.ack(s.poll())
        let initial = s.window
        for i in 0..<200 {
            s.link.enqueue(OutgoingMessage(.timeoutNow(TimeoutNow(term: UInt64(i))), deadlineMicros: .max))
            try s.ack(s.poll(), after: 10_000)
        }
        #expect(s.window == initial, "one small message per round trip says nothing about the path")
    }
}
