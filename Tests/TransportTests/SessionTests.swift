import Foundation
import NetworkModel
import Testing
import Wire
@testable import Transport

/// Sessions between whole nodes on simulated time (`CoreNetwork`). Each test here fails on
/// the code before sessions (one cluster key, nonce = sender ‖ epoch ‖ packet number), as
/// the issue reproduced with real sockets; how it failed is noted on each.
@Suite struct SessionTests {
    static func vote(_ term: UInt64) -> Message { .timeoutNow(TimeoutNow(term: term)) }

    static func terms(_ deliveries: [(from: NodeID, message: Message)], from peer: NodeID) -> [UInt64] {
        deliveries.filter { $0.from == peer }.compactMap { if case .timeoutNow(let t) = $0.message { t.term } else { nil } }
    }

    static func big(_ fill: UInt8) -> Message {
        .installSnapshot(InstallSnapshot(term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: false,
                                         data: [UInt8](repeating: fill, count: 5000)))
    }

    /// Before: every link of a node numbered packets from 0 under one key, so the first
    /// datagram to each peer had the same nonce and identical bytes.
    @Test func noKeyNoncePairRepeatsAcrossPeersRestartsAndRekeys() {
        var sessions = SessionConfig()
        sessions.rekeyAfterPackets = 25
        var net = CoreNetwork(nodes: [1, 2, 3, 4, 5], psk: try? ClusterKey(hex: ClusterKey.generateHex(), source: "test"), sessions: sessions)
        for round in 0..<3 {
            for term in 0..<60 {
                for from: NodeID in 1...5 {
                    for to: NodeID in 1...5 where to != from { net.send(from, to, Self.vote(UInt64(round * 1000 + term))) }
                }
                net.run(for: 2_000)
            }
            net.run(for: 1_000_000)
            net.start(3) // node 3 restarts: a new process, the same key
            net.run(for: 100_000)
        }
        net.run(for: 3_000_000)
        let data = net.sent.filter { DatagramKind.of($0.bytes) == .sealed }
        #expect(data.count > 2000)
        #expect(data.allSatisfy { $0.keyID != nil }, "every data datagram went on a known session")
        var seen = Set<[UInt8]>()
        for datagram in data {
            guard let key = datagram.keyID, case .success(let header) = DatagramOpener.header(of: datagram.bytes, clusterID: 5) else { continue }
            var pair = key
            pair.append(contentsOf: withUnsafeBytes(of: header.packetNumber.value.littleEndian, Array.init))
            #expect(seen.insert(pair).inserted, "a (key, nonce) pair was used twice")
        }
        let keys = Set(data.compactMap(\.keyID))
        #expect(keys.count > 40, "a key per direction and per session: restarts and rekeys made new ones")
        #expect(net.cores.values.map(\.counters.sessionsEstablished).reduce(0, +) > 40)
    }

    /// Before: byte-identical datagrams (header, ciphertext and tag) to two peers.
    @Test func theSameMessageToTwoPeersGivesDifferentBytes() {
        var net = CoreNetwork(nodes: [1, 2, 3])
        net.send(1, 2, Self.vote(7))
        net.send(1, 3, Self.vote(7))
        net.run(for: 100_000)
        let first = { (to: NodeID) in net.sent.first { $0.from == 1 && $0.to == to && DatagramKind.of($0.bytes) == .sealed }?.bytes }
        let a = first(2), b = first(3)
        #expect(a != nil && b != nil)
        #expect(a.map { Array($0.dropFirst(DatagramHeader.size)) } != b.map { Array($0.dropFirst(DatagramHeader.size)) })
        #expect(Self.terms(net.delivered[2]!, from: 1) == [7] && Self.terms(net.delivered[3]!, from: 1) == [7])
    }

    /// Before: a datagram for B replayed to C from the sender's address was delivered by C,
    /// and one recorded before B restarted was accepted after.
    @Test func aDatagramReplayedToAnotherNodeOrAfterARestartIsRefusedAndCounted() {
        var net = CoreNetwork(nodes: [1, 2, 3, 4, 5])
        for to: NodeID in 2...5 { net.send(1, to, Self.vote(1)) }
        net.run(for: 200_000)
        net.send(1, 2, Self.vote(2))
        net.run(for: 200_000)
        guard let recorded = net.sent.last(where: { $0.from == 1 && $0.to == 2 && DatagramKind.of($0.bytes) == .sealed && $0.bytes.count > 28 }) else {
            Issue.record("no datagram to replay")
            return
        }
        let before = net.delivered.mapValues(\.count)
        // To another node, which has its own session with node 1.
        for other: NodeID in 3...5 {
            net.inject(recorded.bytes, to: other, from: 1)
            #expect(net.cores[other]!.drops[.unknownSession] + net.cores[other]!.drops[.authentication] == 1)
        }
        // To the same node: a replay.
        net.inject(recorded.bytes, to: 2, from: 1)
        #expect(net.cores[2]!.drops[.replay] == 1)
        // To the same node after it restarted.
        net.start(2)
        net.inject(recorded.bytes, to: 2, from: 1)
        #expect(net.cores[2]!.drops[.unknownSession] == 1)
        #expect(net.delivered.mapValues(\.count) == before, "nothing replayed was delivered")
    }

    /// Before: any holder of the cluster key could claim to be node X.
    @Test func aKeyHolderThatIsNotXCannotSendAsX() {
        let psk = try? ClusterKey(hex: ClusterKey.generateHex(), source: "test")
        var net = CoreNetwork(nodes: [1, 2, 3, 4], psk: psk)
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        // Node 4 (a cluster member, holding the psk and its own key) claims to be node 1.
        net.start(4, identity: net.identities[4]!, claiming: 1)
        net.send(4, 2, Self.vote(666))
        net.run(for: 3_000_000)
        #expect(Self.terms(net.delivered[2]!, from: 1) == [1])
        #expect(net.cores[2]!.drops[.authentication] >= 1, "its initiation does not authenticate as node 1")
        // Node 1's session with node 2 was not disturbed.
        net.send(1, 2, Self.vote(2))
        net.run(for: 200_000)
        #expect(Self.terms(net.delivered[2]!, from: 1) == [1, 2])
        #expect(net.cores[2]!.counters.sessionsEstablished == 1)
    }

    /// Before: the restarted sender's new packets were dropped as duplicates (0 of 5 in
    /// 5.5 s) and acknowledged from stale ranges; a restart in the middle of a fragmented
    /// message spliced the old part to the new message.
    @Test func aRestartedNodeCarriesNewMessagesAndNothingOldIsDeliveredTwiceOrSpliced() {
        var net = CoreNetwork(nodes: [1, 2, 3, 4, 5])
        for term in 0..<5 { net.send(1, 2, Self.vote(UInt64(term))) }
        net.run(for: 300_000)
        #expect(Self.terms(net.delivered[2]!, from: 1) == [0, 1, 2, 3, 4])
        // Half of a fragmented message gets through, then node 1 restarts.
        var fragments = 0
        net.pass = { sent in
            guard sent.from == 1 && sent.to == 2 && DatagramKind.of(sent.bytes) == .sealed && sent.bytes.count > 500 else { return true }
            fragments += 1
            return fragments <= 2
        }
        net.send(1, 2, Self.big(0xAA))
        net.run(for: 50_000)
        net.pass = { _ in true }
        net.start(1)
        net.send(1, 2, Self.big(0xBB))
        for term in 10..<15 { net.send(1, 2, Self.vote(UInt64(term))) }
        net.run(for: 2_000_000)
        #expect(Self.terms(net.delivered[2]!, from: 1) == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14])
        let snapshots = net.delivered[2]!.filter { $0.from == 1 }.compactMap { if case .installSnapshot(let s) = $0.message { s } else { nil } }
        #expect(snapshots.count == 1)
        #expect(snapshots.first?.data == [UInt8](repeating: 0xBB, count: 5000), "the new message, whole, and nothing of the old")
    }

    /// How soon: within the handshake's round trips, no timer waited for. Datagrams arrive
    /// at once in `CoreNetwork` and its clock moves only when nothing does, so a wait for a
    /// retry (1 s), a keepalive or an ack delay shows as time passing before the delivery.
    @Test func aRestartedNodesLinksCarryNewMessagesWithinTheHandshakesRoundTrips() {
        for restarted: NodeID in [1, 2] {
            var net = CoreNetwork(nodes: [1, 2])
            net.send(1, 2, Self.vote(1))
            net.run(for: 300_000)
            net.start(restarted)
            let restartedAt = net.now
            net.send(1, 2, Self.vote(2))
            var deliveredAt: UInt64?
            while net.now < restartedAt + 2_000_000, deliveredAt == nil {
                net.run(for: 0)
                // `run(for: 0)` ends by moving the clock one tick past what it carried.
                if Self.terms(net.delivered[2]!, from: 1).contains(2) { deliveredAt = net.now - 5_000 }
            }
            #expect(deliveredAt.map { $0 - restartedAt } == 0,
                    "node \(restarted) restarted: the new message waited \((deliveredAt ?? .max) - restartedAt) µs for a timer")
        }
    }

    /// The receiver restarts: the sender learns of it by the receiver's handshake (which
    /// says it holds no session) and sends again what the old session had not had
    /// acknowledged; new messages flow.
    @Test func aSenderResendsWhatARestartedReceiverNeverAcknowledged() {
        var net = CoreNetwork(nodes: [1, 2, 3, 4])
        net.send(1, 2, Self.vote(0), handle: 100)
        net.run(for: 300_000)
        // Node 2 restarts while node 1's next message is in flight (lost with the old process).
        net.pass = { !($0.from == 1 && $0.to == 2) }
        net.send(1, 2, Self.vote(1), handle: 101)
        net.run(for: 10_000)
        net.pass = { _ in true }
        net.start(2)
        net.run(for: 3_000_000)
        net.send(1, 2, Self.vote(2), handle: 102)
        net.run(for: 3_000_000)
        let delivered = Self.terms(net.delivered[2]!, from: 1)
        let given = net.gaveUp[1]!.filter { $0.peer == 2 }.map(\.handle)
        #expect(delivered.contains(2))
        #expect(delivered.contains(1) && !given.contains(101), "message 1 is sent again on the new session")
        #expect(Set(delivered).count == delivered.count)
    }

    @Test func simultaneousInitiationsMakeOneSessionAndBothSidesDeliver() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 2, Self.vote(1))
        net.send(2, 1, Self.vote(2))
        net.run(for: 2_000_000)
        #expect(Self.terms(net.delivered[2]!, from: 1) == [1])
        #expect(Self.terms(net.delivered[1]!, from: 2) == [2])
        #expect(net.cores[1]!.drops[.handshakeCollision] == 1, "the lower id's initiation wins")
        #expect(net.cores[1]!.peers[0].current?.localIndex != nil)
        #expect(net.cores[1]!.peers[0].current?.remoteIndex == net.cores[2]!.peers[0].current?.localIndex)
    }

    @Test func rekeyingMakesNewSessionsLosesNothingAndRefusesTheOldSession() {
        var sessions = SessionConfig()
        sessions.rekeyAfterPackets = 20
        var net = CoreNetwork(nodes: [1, 2], sessions: sessions)
        net.send(1, 2, Self.vote(0))
        net.run(for: 200_000)
        let old = net.sent.last { $0.from == 1 && DatagramKind.of($0.bytes) == .sealed }
        for term in 1..<200 {
            net.send(1, 2, Self.vote(UInt64(term)), handle: UInt64(term))
            net.run(for: 1_000)
        }
        net.run(for: 3_000_000)
        let delivered = Self.terms(net.delivered[2]!, from: 1)
        let given = Set(net.gaveUp[1]!.map(\.handle))
        #expect(Set(delivered).count == delivered.count, "each once")
        #expect((0..<200).allSatisfy { delivered.contains(UInt64($0)) || given.contains(UInt64($0)) }, "none lost silently")
        #expect(delivered.count == 200, "all of them: a rekey moves what the old session had in flight")
        #expect(given.isEmpty)
        #expect(net.cores[1]!.counters.sessionsEstablished >= 5)
        if let old {
            let before = net.cores[2]!.drops[.unknownSession]
            net.inject(old.bytes, to: 2, from: 1)
            #expect(net.cores[2]!.drops[.unknownSession] == before + 1, "the retired session's datagrams are refused")
        }
    }

    /// A replayed initiation must not reset a session (WireGuard's TAI64N rule).
    @Test func aReplayedInitiationCannotResetASession() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        guard let initiation = net.sent.first(where: { DatagramKind.of($0.bytes) == .initiation }) else {
            Issue.record("no initiation")
            return
        }
        let session = net.cores[2]!.peers[0].current?.localIndex
        net.inject(initiation.bytes, to: 2, from: 1)
        net.run(for: 200_000)
        #expect(net.cores[2]!.drops[.staleInitiation] == 1)
        #expect(net.cores[2]!.peers[0].current?.localIndex == session)
        net.send(1, 2, Self.vote(2))
        net.run(for: 200_000)
        #expect(Self.terms(net.delivered[2]!, from: 1) == [1, 2])
    }

    /// Before: no handshake; now a forged initiation flood must cost no Diffie-Hellman.
    @Test func aForgedInitiationFloodCostsNoDiffieHellmanAndRealHandshakesGoOn() throws {
        var net = CoreNetwork(nodes: [1, 2, 3, 4])
        var rng = SeededRandom(seed: 9)
        let attacker = try SocketAddress("10.0.0.66:4000")
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        for _ in 0..<5000 {
            var forged = HandshakeInitiation(clusterID: 5, sender: 1, senderIndex: 9, noise: random(105), mac1: random(16)).encode()
            forged[9 + Int(rng.next() % 105)] ^= 1
            var none: [(NodeID, Message)] = []
            net.cores[2]!.receive(forged, from: attacker, now: net.now, into: &none)
        }
        #expect(net.cores[2]!.counters.diffieHellman == 0)
        #expect(net.cores[2]!.drops[.badMAC] == 5000)
        // With a valid mac1 (the public key is public), the load limit bounds the work.
        let key2 = net.identities[2]!.publicKey
        for _ in 0..<5000 {
            let forged = HandshakeMAC.withMAC(
                HandshakeInitiation(clusterID: 5, sender: 1, senderIndex: 9, noise: random(105), mac1: random(16)).encode(), to: key2)
            var none: [(NodeID, Message)] = []
            net.cores[2]!.receive(forged, from: attacker, now: net.now, into: &none)
        }
        #expect(net.cores[2]!.counters.diffieHellman <= Int(SessionConfig().unprovenInitiationBurst) * 1)
        #expect(net.cores[2]!.drops[.cookieRequired] >= 4990, "under load they get cookie replies")
        // Real handshakes from real sources are unaffected.
        for from: NodeID in [1, 3, 4] { net.send(from, 2, Self.vote(UInt64(from))) }
        net.run(for: 500_000)
        for from: NodeID in [1, 3, 4] { #expect(Self.terms(net.delivered[2]!, from: from) == [UInt64(from)]) }
    }

    /// Before: a stolen node could only be shut out by re-keying every node.
    @Test func aRevokedNodeIsRefusedAndNoOtherSessionChanges() {
        var net = CoreNetwork(nodes: [1, 2, 3, 4, 5])
        for peer: NodeID in 2...5 {
            net.send(peer, 1, Self.vote(UInt64(peer)))
            net.send(1, peer, Self.vote(UInt64(peer)), handle: UInt64(peer))
        }
        net.run(for: 500_000)
        let sessionsBefore = (2...4).map { p in net.cores[1]!.peers.first { $0.id == p }?.current?.localIndex }
        net.cores[1]!.revoke(5)
        net.send(1, 5, Self.vote(50), handle: 50)
        net.send(5, 1, Self.vote(51))
        net.run(for: 3_000_000)
        #expect(net.cores[1]!.drops[.unknownSession] >= 1, "its old session is closed")
        // It comes back (or rekeys) with a new handshake: refused before any Diffie-Hellman.
        let work = net.cores[1]!.counters.diffieHellman
        net.start(5)
        net.send(5, 1, Self.vote(52))
        net.run(for: 3_000_000)
        #expect(Self.terms(net.delivered[1]!, from: 5) == [5], "nothing from the revoked node after revocation")
        #expect(net.gaveUp[1]!.contains { $0.peer == 5 && $0.handle == 50 })
        #expect(net.cores[1]!.drops[.unknownPeer] >= 1, "its handshakes are refused")
        #expect(net.cores[1]!.counters.diffieHellman == work)
        #expect(!net.cores[1]!.hasSession(with: 5))
        for peer: NodeID in 2...4 { net.send(peer, 1, Self.vote(UInt64(peer) + 100)) }
        net.run(for: 300_000)
        for peer: NodeID in 2...4 { #expect(Self.terms(net.delivered[1]!, from: peer) == [UInt64(peer), UInt64(peer) + 100]) }
        #expect((2...4).map { p in net.cores[1]!.peers.first { $0.id == p }?.current?.localIndex } == sessionsBefore, "no other session was touched")
    }

    @Test func theRateLimiterRefillsPerSourceAndBoundsItsTable() throws {
        var limiter = InitiationRateLimiter(ratePerSecond: 10, burst: 3)
        let a = try SocketAddress("10.0.0.1:1"), b = try SocketAddress("10.0.0.2:1")
        #expect((0..<5).map { _ in limiter.allow(a, now: 0) } == [true, true, true, false, false])
        let other = limiter.allow(b, now: 0)
        #expect(other, "another source has its own bucket")
        let early = limiter.allow(a, now: 50_000), later = limiter.allow(a, now: 100_000)
        #expect(!early && later, "one token per 100 ms")
    }
}
