import NetworkModel
import Testing
import Wire
@testable import Transport

/// Numbers a peer holding the session key can put in a datagram that no correct peer
/// sends: none may trap, and none may make the link lose or resend what it should not.
@Suite struct HostilePeerValuesTests {
    static func message(_ i: Int) -> Message {
        .timeoutNow(TimeoutNow(term: UInt64(i)))
    }

    /// An authenticated datagram from peer 2, as the session's gate hands it over.
    static func opened(_ frames: [Message], packet: UInt64, ackEliciting: Bool = true) throws -> OpenedDatagram {
        let header = DatagramHeader(
            kind: .sealed, ackEliciting: ackEliciting, clusterID: 1, receiverIndex: 1, packetNumber: try #require(PacketNumber(packet)))
        return OpenedDatagram(header: header, payload: Payload.encode(frames))
    }

    static func snapshot(_ term: UInt64, bytes: Int) -> Message {
        .installSnapshot(InstallSnapshot(
            term: term, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: true,
            data: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(term)) }))
    }

    // MARK: - Ack delay

    @Test func anAckDelayOfTwoToTheSixtyFourMinusOneIsCappedAndDoesNotTrap() {
        var rtt = RTTEstimator()
        rtt.add(measuredMicros: 50_000, ackDelayMicros: 0)
        // Trapped in `floor + ackDelay` before.
        rtt.add(measuredMicros: 60_000, ackDelayMicros: .max)
        #expect(rtt.latestMicros == 60_000, "taking out even the 25 ms cap would go below the 50 ms minimum")
        rtt.add(measuredMicros: 100_000, ackDelayMicros: .max)
        #expect(rtt.latestMicros == 100_000, "a delay longer than the round trip is not taken out")
        rtt.add(measuredMicros: 100_000, ackDelayMicros: 90_000)
        #expect(rtt.latestMicros == 75_000, "at most the 25 ms max ack delay is taken out")
        #expect(rtt.timeoutMicros >= 200_000)
    }

    @Test func anAbsurdRoundTripSaturatesInsteadOfTrapping() {
        var rtt = RTTEstimator()
        // A sample of ≈ 2^64 µs (a packet "sent" at 0, acked at the end of time) trapped in
        // the smoothing (`3 * variationMicros`) on the next sample.
        rtt.add(measuredMicros: .max, ackDelayMicros: .max)
        rtt.add(measuredMicros: .max, ackDelayMicros: 0)
        rtt.add(measuredMicros: 1_000, ackDelayMicros: 0)
        #expect(rtt.timeoutMicros == rtt.bounds.maximumMicros)
        #expect(rtt.lossDelayMicros > 0)
    }

    @Test func aLinkTakesAHugeAckDelayFromThePeer() throws {
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 2, key: LinkHarness.key(1, 2)))
        link.enqueue(OutgoingMessage(Self.message(1), deadlineMicros: .max))
        let datagramsSent = link.poll(now: 1_000).datagrams.count
        #expect(datagramsSent == 1)
        let ack = try #require(AckFrame(ranges: [AckRange(0, 0)], delayMicros: .max))
        _ = link.receive(try Self.opened([.ack(ack)], packet: 0, ackEliciting: false), now: 41_000)
        #expect(link.outstanding == 0)
        #expect(link.statistics.smoothedRTTMicros == 40_000)
    }

    // MARK: - Message numbers

    @Test func messageNumbersNearTheTopAreRefusedAndTheFloorStays() {
        var delivered = DeliveredSet()
        for n in UInt64(0)..<10 { _ = delivered.insert(n) }
        // 4,200 numbers up to UInt64.max: past the 4,096 gaps the floor was folded up to
        // them and then `floor += 1` trapped at the top.
        for n in (UInt64.max - 4_199)...UInt64.max {
            let taken = delivered.insert(n)
            #expect(!taken)
            #expect(!delivered.admits(n))
        }
        #expect(delivered.floor == 10)
        let atFloor = delivered.insert(10)
        #expect(atFloor)
    }

    @Test func theWindowEndsExactlyItsWidthAboveTheFloor() {
        var delivered = DeliveredSet(limit: 3, window: 100)
        #expect(delivered.admits(99) && !delivered.admits(100))
        let past = delivered.insert(100)
        #expect(!past)
        let inside = delivered.insert(99)
        #expect(inside)
        let zero = delivered.insert(0)
        #expect(zero)
        #expect(delivered.floor == 1)
        #expect(delivered.admits(100), "the window moves with the floor")
        // Even folding past gaps cannot carry the floor beyond what was inside the window.
        var top = DeliveredSet(limit: 2, window: .max)
        for n in (UInt64.max - 3)...UInt64.max { _ = top.insert(n) }
        #expect(top.floor == .max, "everything below the top, folded without trapping")
        let topTaken = top.insert(.max)
        #expect(!topTaken, "UInt64.max itself is never taken")
    }

    @Test func aLinkCountsMessageNumbersOutsideTheWindowAndDeliversTheRest() throws {
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 2, key: LinkHarness.key(1, 2)))
        // 47 datagrams, 4,200 message numbers up to UInt64.max (the reported attack).
        var number = UInt64.max - 4_199
        for packet in UInt64(0)..<47 {
            var frames: [Message] = []
            while frames.count < 180, number < .max {
                frames += [.sequence(MessageSequence(number: number)), Self.message(1)]
                number += 1
            }
            if packet == 46 { frames += [.sequence(MessageSequence(number: .max)), Self.message(1)] }
            let nothingDelivered = link.receive(try Self.opened(frames, packet: packet), now: packet).isEmpty
            #expect(nothingDelivered)
        }
        #expect(link.statistics.drops[.messageNumberRefused] == 4_200) // counted
        let genuine = try Self.opened([.sequence(MessageSequence(number: 0)), Self.message(7)], packet: 47)
        let deliveries = link.receive(genuine, now: 100)
        #expect(deliveries == [Self.message(7)])
    }

    @Test func aLateMessageWhoseGapTheFloorPassedIsDeliveredNotDroppedWhileAcknowledged() throws {
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 2, key: LinkHarness.key(1, 2)))
        // Message 0 is late: 4,097 later ones arrive first, one more than the numbers the
        // link keeps waiting above a gap, so its floor passes 0.
        for n in UInt64(1)...4_097 {
            _ = link.receive(try Self.opened([.sequence(MessageSequence(number: n)), Self.message(Int(n))], packet: n), now: n)
        }
        let late = link.receive(try Self.opened([.sequence(MessageSequence(number: 0)), Self.message(0)], packet: 5_000), now: 5_000)
        #expect(late == [Self.message(0)], "before: dropped as a duplicate, yet acknowledged")
        #expect(link.acks.contains(5_000))
        let again = link.receive(try Self.opened([.sequence(MessageSequence(number: 0)), Self.message(0)], packet: 5_001), now: 5_001)
        #expect(again.isEmpty, "delivered once")
    }

    @Test func aMessageTooLateToTellIsRefusedAndNotAcknowledged() throws {
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 2, key: LinkHarness.key(1, 2)))
        link.delivered = DeliveredSet(limit: 3, skippedLimit: 1)
        for n in UInt64(1)...9 where n != 5 {
            _ = link.receive(try Self.opened([.sequence(MessageSequence(number: n)), Self.message(Int(n))], packet: n), now: n)
        }
        // The floor passed the gaps at 0 and 5; only the newer one is remembered.
        let refused = link.receive(try Self.opened([.sequence(MessageSequence(number: 0)), Self.message(0)], packet: 100), now: 100)
        #expect(refused.isEmpty)
        #expect(!link.acks.contains(100), "never acknowledged: the sender retries it or gives it up and says so")
        #expect(link.statistics.drops[.lateMessage] == 1)
        let five = link.receive(try Self.opened([.sequence(MessageSequence(number: 5)), Self.message(5)], packet: 101), now: 101)
        #expect(five == [Self.message(5)])
        #expect(link.acks.contains(101))
    }

    // MARK: - Acks for packets never sent

    @Test func anAckForPacketsNeverSentIsIgnoredAndCausesNoRetransmission() throws {
        let clean = LinkProfile(name: "clean", delayMicros: 3_000, jitterMicros: 0, loss: 0, bitsPerSecond: 0)
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: clean), seed: 1)
        h.send(1, 2, OutgoingMessage(Self.message(0), deadlineMicros: .max))
        #expect(h.link(1, 2).packetsInFlight == 1)
        // Peer 2 acknowledges packet 0 (really in flight) and packet 1,000,000 (never sent).
        let bogus = try #require(AckFrame(ranges: [AckRange(1_000_000, 1_000_000), AckRange(0, 0)], delayMicros: 0))
        // A packet number of its own far from its real ones, not ack-eliciting: node 1
        // has nothing to acknowledge for it.
        _ = h.links[1]![2]!.receive(try Self.opened([.ack(bogus)], packet: 1 << 30, ackEliciting: false), now: h.now)
        #expect(h.link(1, 2).packetsInFlight == 1, "packet 0 is not taken as acknowledged by a lying ack")
        h.pump(1, 2)
        for i in 1...10 {
            h.send(1, 2, OutgoingMessage(Self.message(i), deadlineMicros: .max))
            h.run(until: h.now + 2_000)
        }
        h.run(until: h.now + 5_000_000)
        #expect(ReliabilityTests.terms(h.delivered[2]!) == (0...10).map(UInt64.init))
        let stats = h.link(1, 2).statistics
        #expect(stats.packetsLost == 0, "before: 9 packets declared lost")
        #expect(stats.messagesRetransmitted == 0, "before: retransmissions of every message")
        #expect(stats.drops[.ackForUnsent] == 1) // counted
        #expect(h.link(1, 2).outstanding == 0)
    }

    // MARK: - Reassembly refusals

    /// Two links joined directly on simulated time, with a hook that may drop datagrams.
    struct Pair {
        var one = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 1, key: LinkHarness.key(1, 2)))
        var two: PeerLink
        var openAtTwo = DatagramOpener(key: LinkHarness.key(1, 2))
        var openAtOne = DatagramOpener(key: LinkHarness.key(2, 1))
        var now: UInt64 = 0
        var deliveredAtTwo: [Message] = []
        var gaveUpAtOne: [UInt64] = []
        var sentByOne = 0

        init(receiver config: PeerLinkConfig) {
            two = PeerLink(peer: 1, sealer: DatagramSealer(clusterID: 1, receiverIndex: 2, key: LinkHarness.key(2, 1)), config: config)
        }

        /// Runs in 5 ms steps for `micros`; `drop` sees each of node 1's datagrams by its
        /// position (0, 1, …) and the time, and may drop it.
        mutating func run(for micros: UInt64, drop: (Int, UInt64) -> Bool = { _, _ in false }) {
            let end = now + micros
            while now < end {
                let out = one.poll(now: now)
                gaveUpAtOne += out.gaveUp
                for datagram in out.datagrams {
                    defer { sentByOne += 1 }
                    if drop(sentByOne, now) { continue }
                    if case .success(let opened) = openAtTwo.open(datagram, clusterID: 1) {
                        deliveredAtTwo += two.receive(opened, now: now)
                    }
                }
                for datagram in two.poll(now: now).datagrams {
                    if case .success(let opened) = openAtOne.open(datagram, clusterID: 1) {
                        _ = one.receive(opened, now: now)
                    }
                }
                now += 5_000
            }
        }
    }

    @Test func aFragmentRefusedForWantOfASlotIsNotAcknowledgedAndArrivesLater() {
        var config = PeerLinkConfig()
        config.reassemblyConcurrent = 1
        var pair = Pair(receiver: config)
        let first = Self.snapshot(1, bytes: 3_000)
        let second = Self.snapshot(2, bytes: 3_000)
        pair.one.enqueue(OutgoingMessage(first, trafficClass: .bulk, deadlineMicros: 60_000_000, handle: 1))
        pair.one.enqueue(OutgoingMessage(second, trafficClass: .bulk, deadlineMicros: 60_000_000, handle: 2))
        // The first message's last piece is lost once: its reassembly holds the only slot
        // when the second message's pieces arrive.
        pair.run(for: 30_000_000) { index, _ in index == 2 }
        #expect(pair.deliveredAtTwo == [first, second], "before: the second was acknowledged, refused and lost")
        #expect(pair.gaveUpAtOne.isEmpty)
        #expect(pair.one.outstanding == 0)
        #expect(pair.two.statistics.drops[.reassemblyRefused] > 0, "the refusal really happened")
    }

    @Test func aMessageTooLargeForTheReassemblyBytesIsGivenUpNotAcknowledged() {
        var config = PeerLinkConfig()
        config.reassemblyBytes = 5_000
        var pair = Pair(receiver: config)
        let large = Self.snapshot(1, bytes: 10_000)
        pair.one.enqueue(OutgoingMessage(large, trafficClass: .bulk, deadlineMicros: 3_000_000, handle: 7))
        pair.run(for: 5_000_000)
        #expect(pair.deliveredAtTwo.isEmpty)
        #expect(pair.gaveUpAtOne == [7], "before: every piece was acknowledged and the sender never heard of the loss")
        #expect(pair.one.outstanding == 0)
        // What fits still goes through afterwards.
        let small = Self.snapshot(2, bytes: 3_000)
        pair.one.enqueue(OutgoingMessage(small, trafficClass: .bulk, deadlineMicros: .max, handle: 8))
        pair.run(for: 5_000_000)
        #expect(pair.deliveredAtTwo == [small])
    }

    @Test func aMessageWhoseReassemblyTimedOutIsGivenUpNotRestarted() {
        var config = PeerLinkConfig()
        config.reassemblyTimeoutMicros = 100_000
        var pair = Pair(receiver: config)
        let message = Self.snapshot(1, bytes: 3_000)
        pair.one.enqueue(OutgoingMessage(message, trafficClass: .bulk, deadlineMicros: 3_000_000, handle: 9))
        // The first two pieces arrive (and are acknowledged); the last one only after the
        // reassembly has timed out.
        pair.run(for: 5_000_000) { index, now in index >= 2 && now < 400_000 }
        #expect(pair.deliveredAtTwo.isEmpty)
        #expect(pair.gaveUpAtOne == [9], "before: the late piece began a new reassembly, was acknowledged, and the loss went unreported")
        #expect(pair.one.outstanding == 0)
    }

    @Test func aRefusedPieceLeavesTheReassemblerAsItWas() throws {
        var reassembler = Reassembler(limits: .init(concurrent: 1, bytes: 3_000, timeoutMicros: 1_000))
        let piece = { (id: UInt64, index: Int, bytes: Int) in
            Fragment(messageID: id, index: index, count: 2, data: [UInt8](repeating: UInt8(index), count: bytes))
        }
        let firstPiece = reassembler.add(piece(1, 0, 1_000), at: 0)
        #expect(firstPiece == .held)
        let secondMessage = reassembler.add(piece(2, 0, 1_000), at: 0)
        #expect(secondMessage == .refused, "no second slot")
        let oversized = reassembler.add(piece(1, 1, 2_000), at: 0)
        #expect(oversized == .refused, "2 × 2,000 bytes would not fit")
        #expect(reassembler.partials[1]?.pieces.count == 1, "the piece held is kept")
        let lastPiece = reassembler.add(piece(1, 1, 1_000), at: 0)
        #expect(lastPiece == .complete([UInt8](repeating: 0, count: 1_000) + [UInt8](repeating: 1, count: 1_000)))
        // A reassembly that timed out does not start again from a late piece: its other
        // pieces were acknowledged and will not come back.
        let started = reassembler.add(piece(3, 0, 500), at: 10)
        #expect(started == .held)
        let latePiece = reassembler.add(piece(3, 1, 500), at: 2_000)
        #expect(latePiece == .refused)
        #expect(reassembler.partials.isEmpty)
    }
}
