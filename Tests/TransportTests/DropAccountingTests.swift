import NetworkModel
import Testing
import Wire
@testable import Transport

/// Issue 10 item 5: one table of drop reasons, each drop counted exactly once. Every test
/// reaches one reason and checks that exactly its counter moved, by exactly one, in the
/// node's whole table (`TransportCore.drops`: gate, handshakes and every peer link).
@Suite struct DropAccountingTests {
    static func vote(_ term: UInt64) -> Message { .timeoutNow(TimeoutNow(term: term)) }

    static func expectOnly(_ reason: DatagramDropReason, _ before: DropCounters, _ after: DropCounters,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(after[reason] == before[reason] + 1, "\(reason) counted once", sourceLocation: sourceLocation)
        #expect(after.total == before.total + 1, "no other reason counted", sourceLocation: sourceLocation)
    }

    /// Two sealed nodes with a session, and one sealed data datagram 1 → 2 already received.
    static func sealedPair(_ sessions: SessionConfig = SessionConfig()) -> (CoreNetwork, [UInt8]) {
        var net = CoreNetwork(nodes: [1, 2, 3], sessions: sessions)
        net.send(1, 2, vote(1))
        net.run(for: 200_000)
        let recorded = net.sent.last { $0.from == 1 && $0.to == 2 && DatagramKind.of($0.bytes) == .sealed && $0.bytes.count > 28 }
        return (net, recorded?.bytes ?? [])
    }

    @Test func everyGateReasonIsCountedOnce() {
        var (net, recorded) = Self.sealedPair()
        #expect(!recorded.isEmpty)
        func check(_ reason: DatagramDropReason, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
            let before = net.cores[2]!.drops
            net.inject(bytes, to: 2, from: 1)
            Self.expectOnly(reason, before, net.cores[2]!.drops, sourceLocation: sourceLocation)
        }
        check(.tooLarge, [UInt8](repeating: 0x20, count: 1501))
        check(.malformed, [0x00, 1, 2])
        var otherCluster = recorded
        otherCluster[1] ^= 0xFF
        check(.wrongCluster, otherCluster)
        var plain = recorded
        plain[0] = (plain[0] & 0b11) | DatagramHeader.version << 4 | DatagramKind.plain.rawValue << 2
        check(.wrongProtection, plain)
        var otherIndex = recorded
        otherIndex[3] ^= 0x5A
        check(.unknownSession, otherIndex)
        check(.replay, recorded)
        var forged = recorded
        forged[10] = 0x7F // a packet number not yet seen: the tag decides
        check(.authentication, forged)
        check(.badMAC, HandshakeInitiation(clusterID: 5, sender: 1, senderIndex: 9, noise: [UInt8](repeating: 1, count: 105), mac1: [UInt8](repeating: 2, count: 16)).encode())
        check(.unknownPeer, HandshakeMAC.withMAC(HandshakeInitiation(
            clusterID: 5, sender: 9, senderIndex: 9, noise: [UInt8](repeating: 1, count: 105), mac1: [UInt8](repeating: 0, count: 16)).encode(),
            to: net.identities[2]!.publicKey))
        let initiation = net.sent.first { DatagramKind.of($0.bytes) == .initiation && $0.to == 2 }
        #expect(initiation != nil)
        check(.staleInitiation, initiation?.bytes ?? [])
    }

    @Test func handshakeLimitsAreCountedOnce() {
        var sessions = SessionConfig()
        sessions.unprovenInitiationsPerSecond = 1
        sessions.unprovenInitiationBurst = 1
        sessions.initiationsPerSecond = 1
        sessions.initiationBurst = 1
        var net = CoreNetwork(nodes: [1, 2, 3], sessions: sessions)
        net.send(2, 1, Self.vote(1)) // takes node 1's one unproven token
        net.run(for: 100_000)
        var before = net.cores[1]!.drops
        net.send(3, 1, Self.vote(3))
        net.run(for: 100_000)
        Self.expectOnly(.cookieRequired, before, net.cores[1]!.drops)
        #expect(SessionTests.terms(net.delivered[1]!, from: 3) == [3])
        // Another initiation of node 3's with mac2 under its cookie, from its address (not
        // the same bytes again: that would be a replay, dropped before any bucket): its
        // bucket is empty.
        let proven = net.sent.last { $0.from == 3 && DatagramKind.of($0.bytes) == .initiation }
        var another = (proven?.bytes).flatMap { try? HandshakeInitiation.decode($0) }
        another?.senderIndex &+= 1
        var fresh = another.map { HandshakeMAC.withMAC($0.encode(), to: net.identities[1]!.publicKey) } ?? []
        let cookie = net.cores[3]!.peers.first { $0.id == 1 }?.cookie ?? []
        if fresh.count == HandshakeInitiation.size {
            fresh.replaceSubrange(HandshakeInitiation.mac2Offset..., with: HandshakeMAC.mac2(fresh, cookie: cookie))
        }
        before = net.cores[1]!.drops
        net.inject(fresh, to: 1, from: 3)
        Self.expectOnly(.rateLimited, before, net.cores[1]!.drops)

        var budget = SessionConfig()
        budget.handshakesPerSecond = 1
        budget.handshakeBurst = 1
        var other = CoreNetwork(nodes: [1, 2, 3], sessions: budget)
        other.send(2, 1, Self.vote(1))
        other.run(for: 100_000)
        other.pass = { !($0.from == 3) }
        other.send(3, 1, Self.vote(3))
        other.run(for: 1_000)
        let initiation = other.sent.last { $0.from == 3 && DatagramKind.of($0.bytes) == .initiation }
        before = other.cores[1]!.drops
        other.inject(initiation?.bytes ?? [], to: 1, from: 3)
        Self.expectOnly(.overBudget, before, other.cores[1]!.drops)

        var both = CoreNetwork(nodes: [1, 2])
        both.pass = { _ in false }
        both.send(1, 2, Self.vote(1))
        both.send(2, 1, Self.vote(2))
        both.run(for: 1_000)
        let fromTwo = both.sent.first { $0.from == 2 && DatagramKind.of($0.bytes) == .initiation }
        before = both.cores[1]!.drops
        both.inject(fromTwo?.bytes ?? [], to: 1, from: 2)
        Self.expectOnly(.handshakeCollision, before, both.cores[1]!.drops)
    }

    /// The link's reasons, on an insecure node (plain datagrams can be written by hand).
    @Test func everyLinkReasonIsCountedOnceInTheNodesTable() {
        var core = TransportCore(.init(id: 1, clusterID: 5, protection: .insecure))
        core.addPeer(2, publicKey: nil)
        let address = CoreNetwork.address(2)
        var packet: UInt64 = 0
        var now: UInt64 = 1_000
        func check(_ reason: DatagramDropReason, _ frames: [Message], from sender: NodeID = 2, sourceLocation: SourceLocation = #_sourceLocation) {
            packet += 1
            let bytes = DatagramSealer.plain(clusterID: 5, sender: sender)
                .seal(payload: Payload.encode(frames), packet: PacketNumber(packet)!, ackEliciting: true)
            let before = core.drops
            var deliveries: [(NodeID, Message)] = []
            core.receive(bytes, from: address, now: now, into: &deliveries)
            Self.expectOnly(reason, before, core.drops, sourceLocation: sourceLocation)
        }
        check(.unknownPeer, [Self.vote(1)], from: 9)
        check(.malformed, [.sequence(MessageSequence(number: 0))])
        check(.messageNumberRefused, [.sequence(MessageSequence(number: 1 << 40)), Self.vote(1)])
        var deliveries: [(NodeID, Message)] = []
        packet += 1
        core.receive(DatagramSealer.plain(clusterID: 5, sender: 2).seal(payload: Payload.encode([.sequence(MessageSequence(number: 0)), Self.vote(1)]), packet: PacketNumber(packet)!, ackEliciting: true),
                     from: address, now: now, into: &deliveries)
        check(.duplicate, [.sequence(MessageSequence(number: 0)), Self.vote(1)])
        if let ack = AckFrame(ranges: [AckRange(0, 1000)], delayMicros: 0) { check(.ackForUnsent, [.ack(ack)]) }
        check(.malformed, [.fragment(Fragment(messageID: 1, index: 0, count: 2, data: [1]))])
        let piece = { (number: UInt64, id: UInt64, index: Int, count: Int) -> [Message] in
            [.sequence(MessageSequence(number: number)), .fragment(Fragment(messageID: id, index: index, count: count, data: [1, 2]))]
        }
        packet += 1
        core.receive(DatagramSealer.plain(clusterID: 5, sender: 2).seal(payload: Payload.encode(piece(10, 10, 0, 2)), packet: PacketNumber(packet)!, ackEliciting: true),
                     from: address, now: now, into: &deliveries)
        check(.reassemblyRefused, piece(11, 10, 1, 3))
        now += 31_000_000
        packet += 1
        let before = core.drops
        core.receive(DatagramSealer.plain(clusterID: 5, sender: 2).seal(payload: Payload.encode(piece(12, 12, 0, 2)), packet: PacketNumber(packet)!, ackEliciting: true),
                     from: address, now: now, into: &deliveries)
        Self.expectOnly(.reassemblyExpired, before, core.drops)
    }

    @Test func theEmulatorsDropsAreInTheSameTable() {
        var e = LinkEmulator(.init(profile: LinkProfile(name: "all lost", delayMicros: 0, jitterMicros: 0, loss: 1, bitsPerSecond: 0)), seed: 1)
        func table() -> DropCounters {
            var all = DropCounters()
            all.add(e.dropped)
            return all
        }
        var before = table()
        _ = e.transmit(from: 1, to: 2, bytes: 10, at: 0)
        Self.expectOnly(.emulatedLoss, before, table())
        e.cutOneWay(from: 1, to: 2)
        before = table()
        _ = e.transmit(from: 1, to: 2, bytes: 10, at: 0)
        Self.expectOnly(.emulatedPartition, before, table())
    }

    @Test func unreachableAndReachableAgainAreReported() {
        var sessions = SessionConfig()
        sessions.unreachableAfterMicros = 2_000_000
        var net = CoreNetwork(nodes: [1, 2], sessions: sessions)
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        var events: [TransportCore.PeerEvent] = []
        net.cores[1]!.takeEvents(into: &events)
        #expect(events.isEmpty)
        net.pass = { _ in false }
        net.send(1, 2, Self.vote(2))
        net.run(for: 1_500_000)
        net.cores[1]!.takeEvents(into: &events)
        #expect(events.isEmpty, "not yet")
        net.run(for: 1_000_000)
        net.cores[1]!.takeEvents(into: &events)
        #expect(events == [.unreachable(2)], "silent for 2 s with a message outstanding")
        net.pass = { _ in true }
        net.run(for: 2_000_000)
        events = []
        net.cores[1]!.takeEvents(into: &events)
        #expect(events == [.reachable(2)])
        #expect(SessionTests.terms(net.delivered[2]!, from: 1) == [1, 2])
        // Given up: reported at once.
        net.pass = { _ in false }
        net.send(1, 2, Self.vote(3), handle: 3, deadline: net.now + 100_000)
        net.run(for: 300_000)
        events = []
        net.cores[1]!.takeEvents(into: &events)
        #expect(net.gaveUp[1]!.contains { $0.handle == 3 })
        #expect(events == [.unreachable(2)])
    }
}
