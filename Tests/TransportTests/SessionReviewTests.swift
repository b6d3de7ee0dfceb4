import NetworkModel
import Foundation
import Testing
import Wire
@testable import Transport

/// The outside attacker review of sessions: each test reproduces one finding on simulated
/// time (`CoreNetwork`) and fails on the code before its fix (how is noted on each).
@Suite struct SessionReviewTests {
    static func vote(_ term: UInt64) -> Message { .timeoutNow(TimeoutNow(term: term)) }

    static func terms(_ net: CoreNetwork, at node: NodeID, from peer: NodeID) -> [UInt64] {
        SessionTests.terms(net.delivered[node]!, from: peer)
    }

    static func randomBytes(_ rng: inout SeededRandom, _ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    // MARK: - (a) spoofed initiations with a valid mac1

    /// Before: the flood drained the per-source bucket of B's address, and B's real
    /// initiations were refused as `rateLimited` for as long as the flood went on.
    @Test func aFloodOfValidMAC1InitiationsSpoofedFromBsAddressDoesNotStopBsHandshake() {
        var net = CoreNetwork(nodes: [1, 2])
        var rng = SeededRandom(seed: 8)
        let keyA = net.identities[1]!.publicKey
        net.send(2, 1, Self.vote(7))
        let start = net.now
        for _ in 0..<300 {
            for _ in 0..<10 {
                let forged = HandshakeMAC.withMAC(HandshakeInitiation(
                    clusterID: 5, sender: 2, senderIndex: UInt32(truncatingIfNeeded: rng.next()),
                    noise: Self.randomBytes(&rng, HandshakeInitiation.noiseSize), mac1: [UInt8](repeating: 0, count: 16)).encode(), to: keyA)
                net.inject(forged, to: 1, from: 2)
            }
            net.run(for: 5_000)
        }
        #expect(Self.terms(net, at: 1, from: 2) == [7], "B's real handshake went through the flood")
        #expect(net.cores[1]!.drops[.cookieRequired] >= 2_900, "the flood got cookie replies, not Diffie-Hellman")
        // At most the unproven burst and rate of forgeries reach the first X25519 (and B's
        // handshake costs four).
        let config = SessionConfig()
        let seconds = (net.now - start) / 1_000_000 + 1
        #expect(net.cores[1]!.counters.diffieHellman <= Int(config.unprovenInitiationBurst + seconds * config.unprovenInitiationsPerSecond) + 4)
        #expect(net.cores[2]!.drops[.unknownSession] >= 1, "cookie replies to the forgeries are no use to B")
    }

    /// Before: mac1 was keyed by the public key alone, so with a psk configured anyone
    /// could still make initiations that pass mac1 and cost the receiver one X25519.
    @Test func withAPSKAMAC1MadeFromThePublicKeyAloneIsDroppedBeforeDiffieHellman() throws {
        let psk = try ClusterKey(hex: ClusterKey.generateHex(), source: "test")
        var net = CoreNetwork(nodes: [1, 2], psk: psk)
        var rng = SeededRandom(seed: 3)
        let keyA = net.identities[1]!.publicKey
        let body = HandshakeInitiation(clusterID: 5, sender: 2, senderIndex: 1,
                                       noise: Self.randomBytes(&rng, HandshakeInitiation.noiseSize), mac1: [UInt8](repeating: 0, count: 16)).encode()
        net.inject(HandshakeMAC.withMAC(body, to: keyA), to: 1, from: 2)
        #expect(net.cores[1]!.drops[.badMAC] == 1)
        net.inject(HandshakeMAC.withMAC(body, to: keyA, psk: psk), to: 1, from: 2)
        #expect(net.cores[1]!.drops[.badMAC] == 1, "with the psk the mac1 passes")
        #expect(net.cores[1]!.drops[.authentication] == 1)
        net.send(2, 1, Self.vote(1))
        net.run(for: 200_000)
        #expect(Self.terms(net, at: 1, from: 2) == [1])
    }

    /// The cookie path on its own: under load a real initiator gets a cookie, and its next
    /// initiation (with mac2) is answered; a cookie reply for another initiation is refused.
    @Test func underLoadAnInitiatorWithACookieIsAnsweredAndOthersAreNot() throws {
        var sessions = SessionConfig()
        sessions.unprovenInitiationsPerSecond = 1
        sessions.unprovenInitiationBurst = 1
        var net = CoreNetwork(nodes: [1, 2, 3], sessions: sessions)
        net.send(2, 1, Self.vote(1))
        net.run(for: 100_000)
        #expect(Self.terms(net, at: 1, from: 2) == [1], "not under load: no cookie needed")
        net.send(3, 1, Self.vote(3))
        net.run(for: 100_000)
        #expect(net.cores[1]!.drops[.cookieRequired] == 1, "under load: node 3 gets a cookie first")
        #expect(Self.terms(net, at: 1, from: 3) == [3], "its next initiation, sent at once, carries mac2")
        #expect(net.cores[3]!.counters.initiationsSent == 2)
        let replies = net.sent.filter { CookieReply.isCookieReply($0.bytes) }
        #expect(replies.count == 1 && replies.first?.bytes.count == CookieReply.size)
        if let reply = replies.first {
            let before = net.cores[3]!.drops[.unknownSession]
            net.inject(reply.bytes, to: 3, from: 1)
            #expect(net.cores[3]!.drops[.unknownSession] == before + 1, "no pending initiation has that index any more")
        }
    }

    // MARK: - (b) timestamps across restarts, and collisions

    /// Before: the restarted node's initiations carried its (behind) clock and were refused
    /// as `staleInitiation` for as long as the peer's process lived.
    @Test func aNodeRestartedWithItsClockBehindAndItsFloorIsNotRefusedAsStale() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        let floor = net.cores[1]!.takeTimestampToPersist()
        #expect(floor != nil, "the first initiation asks the shell to persist a reservation")
        #expect(net.cores[1]!.takeTimestampToPersist() == nil, "once")
        net.start(1, clockBehind: 3_600_000_000, timestampFloor: floor ?? 0)
        net.send(1, 2, Self.vote(2))
        net.run(for: 300_000)
        #expect(Self.terms(net, at: 2, from: 1) == [1, 2])
        #expect(net.cores[2]!.drops[.staleInitiation] == 0)
    }

    /// Before: refused as stale for ever. Now the peer answers a stale (authentic)
    /// initiation with one of its own, and the collision rule yields: a session comes back.
    @Test func aNodeRestartedWithItsClockBehindAndNoFloorStillGetsASession() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        net.start(1, clockBehind: 3_600_000_000)
        net.send(1, 2, Self.vote(2))
        net.run(for: 5_000_000)
        #expect(Self.terms(net, at: 2, from: 1) == [1, 2])
        #expect(net.cores[2]!.drops[.staleInitiation] >= 1)
    }

    /// Before: the lower id dropped the peer's initiation whenever it had its own
    /// outstanding; when its own never got through, no session was ever made.
    @Test func simultaneousInitiationConvergesWhenTheLowerIdsInitiationsNeverArrive() {
        var net = CoreNetwork(nodes: [1, 2])
        net.pass = { !($0.from == 1 && DatagramKind.of($0.bytes) == .initiation) }
        net.send(1, 2, Self.vote(1))
        net.send(2, 1, Self.vote(2))
        net.run(for: 5_000_000)
        #expect(Self.terms(net, at: 1, from: 2) == [2])
        #expect(Self.terms(net, at: 2, from: 1) == [1])
        #expect(net.cores[1]!.drops[.handshakeCollision] >= 1, "it did drop the first")
    }

    // MARK: - (c) a lost confirmation

    /// Before: node 2's message sat in its old session's link; its new session waited for
    /// a keepalive that was lost, was dropped after 3 s, and nobody initiated again: the
    /// message was stuck until a rekey.
    @Test func aLostConfirmationKeepaliveDoesNotStrandTheRespondersMessages() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        net.start(1)
        var dropped = 0
        net.pass = { sent in
            guard sent.from == 1 && DatagramKind.of(sent.bytes) == .sealed && dropped == 0 else { return true }
            dropped += 1
            return false
        }
        net.send(2, 1, Self.vote(5))
        net.run(for: 1_500_000)
        #expect(dropped == 1, "exactly the confirming keepalive was lost")
        #expect(Self.terms(net, at: 1, from: 2) == [5])
    }

    /// The responder side: if the initiator's keepalives all get lost, a responder with
    /// messages for the peer initiates itself after one retry interval.
    @Test func aResponderWithMessagesInitiatesWhenNoConfirmationComes() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        net.start(1)
        let clock = net.clock
        var lossUntil = clock.read() + 2_000_000
        net.pass = { sent in !(sent.from == 1 && DatagramKind.of(sent.bytes) == .sealed && clock.read() < lossUntil) }
        net.send(2, 1, Self.vote(5))
        net.run(for: 4_000_000)
        lossUntil = 0
        #expect(Self.terms(net, at: 1, from: 2) == [5])
        #expect(net.cores[2]!.counters.initiationsSent >= 1, "node 2 initiated")
    }

    // MARK: - (d, e) rekeying

    /// Before: while a rekey was under way (here: its responses lost), messages waited for
    /// the new session instead of going on the current one.
    @Test func messagesDuringARekeyGoOnTheCurrentSession() {
        var sessions = SessionConfig()
        sessions.rekeyAfterMicros = 1_000_000
        var net = CoreNetwork(nodes: [1, 2], sessions: sessions)
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        net.pass = { DatagramKind.of($0.bytes) != .response }
        net.run(for: 1_000_000)
        #expect(net.cores[1]!.peers[0].initiation != nil, "a rekey is under way")
        for term in 2..<12 { net.send(1, 2, Self.vote(UInt64(term))) }
        net.run(for: 100_000)
        #expect(Self.terms(net, at: 2, from: 1) == Array(1..<12))
    }

    // MARK: - Minor findings

    /// Before: a message to a node not in the roster vanished without a report.
    @Test func aMessageToANodeNotInTheRosterIsReportedGivenUp() {
        var net = CoreNetwork(nodes: [1, 2])
        net.send(1, 9, Self.vote(1), handle: 99)
        net.run(for: 10_000)
        #expect(net.gaveUp[1]!.contains { $0.peer == 9 && $0.handle == 99 })
    }

    /// Before: a session was used for as long as no rekey replaced it.
    @Test func aSessionPastRejectAfterTimeIsNeverUsed() {
        var sessions = SessionConfig()
        sessions.rejectAfterMicros = 2_000_000
        var net = CoreNetwork(nodes: [1, 2], sessions: sessions)
        net.send(1, 2, Self.vote(1))
        net.run(for: 200_000)
        let first = net.cores[1]!.peers[0].current?.localIndex
        #expect(first != nil)
        net.run(for: 2_500_000)
        #expect(net.cores[1]!.peers[0].current?.localIndex != first, "replaced")
        net.send(1, 2, Self.vote(2))
        net.run(for: 200_000)
        #expect(Self.terms(net, at: 2, from: 1) == [1, 2])
        let old = net.sent.first { $0.from == 1 && $0.to == 2 && DatagramKind.of($0.bytes) == .sealed }
        let before = net.cores[2]!.drops[.unknownSession]
        net.inject(old?.bytes ?? [], to: 2, from: 1)
        #expect(net.cores[2]!.drops[.unknownSession] == before + 1, "its datagrams are refused")
    }
}
