import Foundation
import NetworkModel
import Synchronization
import Testing
import Wire
@testable import Transport

/// Sessions over real UDP sockets on loopback, five endpoints (each with four peers), each
/// on its own event-loop thread. Waits are bounded only to fail instead of hanging; no
/// assertion is about time.
@Suite(.serialized) struct EndpointSessionTests {
    final class Node: Sendable {
        let id: NodeID
        let identity: NodeIdentity
        let endpoint: TransportEndpoint
        let received = Mutex<[(from: NodeID, term: UInt64)]>([])
        let gaveUp = Mutex<[(peer: NodeID, handle: UInt64)]>([])

        init(id: NodeID, identity: NodeIdentity, psk: ClusterKey?) throws {
            self.id = id
            self.identity = identity
            endpoint = try TransportEndpoint(.init(
                id: id, clusterID: 4, protection: .sealed(identity, presharedKey: psk),
                listen: try SocketAddress("127.0.0.1:0"), peers: [:]))
        }

        func start() {
            endpoint.start(
                onMessage: { [self] _, from, message in
                    if case .timeoutNow(let t) = message { received.withLock { $0.append((from, t.term)) } }
                },
                onGiveUp: { [self] _, peer, handle in gaveUp.withLock { $0.append((peer, handle)) } })
        }

        func terms(from peer: NodeID) -> [UInt64] { received.withLock { $0.filter { $0.from == peer }.map(\.term) } }

        func send(_ term: UInt64, to peer: NodeID, handle: UInt64 = 0) {
            endpoint.send(OutgoingMessage(.timeoutNow(TimeoutNow(term: term)), deadlineMicros: MonotonicClock.nowMicros() + 20_000_000, handle: handle), to: peer)
        }
    }

    static func cluster(_ count: Int) throws -> [NodeID: Node] {
        let psk = try ClusterKey(hex: ClusterKey.generateHex(), source: "test")
        var nodes: [NodeID: Node] = [:]
        for id in 1...NodeID(count) { nodes[id] = try Node(id: id, identity: .generate(), psk: psk) }
        for (_, a) in nodes {
            for (_, b) in nodes where a.id != b.id { a.endpoint.addPeer(b.id, at: b.endpoint.socket.localAddress, publicKey: b.identity.publicKey) }
        }
        for (_, node) in nodes { node.start() }
        return nodes
    }

    static func stop(_ nodes: [NodeID: Node]) {
        for (_, node) in nodes { node.endpoint.stop() }
    }

    /// Polls `condition` until it holds or 15 s pass (only so that a failure does not hang).
    static func eventually(_ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(15)
        while Date() < end {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    @Test func fiveEndpointsTalkPairwiseExactlyOnce() throws {
        let nodes = try Self.cluster(5)
        defer { Self.stop(nodes) }
        for (_, a) in nodes {
            for (_, b) in nodes where a.id != b.id {
                for term in 0..<20 { a.send(UInt64(term), to: b.id) }
            }
        }
        let all = Self.eventually {
            nodes.values.allSatisfy { n in nodes.keys.filter { $0 != n.id }.allSatisfy { n.terms(from: $0).count >= 20 } }
        }
        #expect(all)
        for (_, n) in nodes {
            for peer in nodes.keys where peer != n.id { #expect(n.terms(from: peer).sorted() == (0..<20).map(UInt64.init)) }
            #expect(n.endpoint.drops[.authentication] == 0 && n.endpoint.drops[.unknownSession] == 0)
        }
    }

    /// Before: after a restart, 0 of 5 new messages arrived (dropped as duplicates by the
    /// peer's stale link state).
    @Test func aRestartedEndpointIsReachedAgainAndNothingIsDeliveredTwice() throws {
        var nodes = try Self.cluster(5)
        defer { Self.stop(nodes) }
        for term in 0..<5 {
            nodes[1]!.send(UInt64(term), to: 2)
            nodes[2]!.send(UInt64(term), to: 1)
        }
        #expect(Self.eventually { nodes[2]!.terms(from: 1).count == 5 && nodes[1]!.terms(from: 2).count == 5 })
        // Node 2 restarts: same key, a new process (and port); the roster learns the port.
        let old = try #require(nodes[2])
        old.endpoint.stop()
        let restarted = try Node(id: 2, identity: old.identity, psk: try Self.sharedPSK(of: nodes[1]!))
        for (id, n) in nodes where id != 2 {
            restarted.endpoint.addPeer(id, at: n.endpoint.socket.localAddress, publicKey: n.identity.publicKey)
            n.endpoint.addPeer(2, at: restarted.endpoint.socket.localAddress, publicKey: old.identity.publicKey)
        }
        restarted.start()
        nodes[2] = restarted
        for term in 10..<15 {
            nodes[1]!.send(UInt64(term), to: 2, handle: UInt64(term))
            restarted.send(UInt64(term), to: 1)
        }
        #expect(Self.eventually {
            let given = nodes[1]!.gaveUp.withLock { $0.map(\.handle) }
            return restarted.terms(from: 1).count + given.count >= 5 && nodes[1]!.terms(from: 2).count >= 10
        })
        #expect(restarted.terms(from: 1).sorted() == (10..<15).map(UInt64.init), "the new messages, each once, none of the old")
        #expect(nodes[1]!.terms(from: 2).sorted() == (0..<5).map(UInt64.init) + (10..<15).map(UInt64.init))
        #expect(nodes[1]!.gaveUp.withLock { $0.isEmpty })
    }

    static func sharedPSK(of node: Node) throws -> ClusterKey? {
        if case .sealed(_, let psk) = node.endpoint.configuration.protection { return psk }
        return nil
    }

    /// Before: a datagram recorded on its way to B was delivered by C (sent from the
    /// address C knows for the sender) and by B after B restarted.
    @Test func aDatagramReplayedToAnotherEndpointOrAfterARestartIsRefusedAndCounted() throws {
        let nodes = try Self.cluster(5)
        defer { Self.stop(nodes) }
        // A tap in front of node 2 records what node 1 sends it and passes it on.
        let tap = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        nodes[1]!.endpoint.addPeer(2, at: tap.localAddress, publicKey: nodes[2]!.identity.publicKey)
        let recorded = Mutex<[[UInt8]]>([])
        let target = Mutex(nodes[2]!.endpoint.socket.localAddress)
        let running = Atomic<Bool>(true)
        let forwarder = Thread {
            while running.load(ordering: .relaxed) {
                for (bytes, _) in tap.receiveAll() {
                    recorded.withLock { $0.append(bytes) }
                    _ = tap.send(bytes, to: target.withLock { $0 })
                }
                usleep(500)
            }
        }
        forwarder.start()
        defer { running.store(false, ordering: .relaxed) }
        for term in 0..<3 {
            for peer: NodeID in 2...5 { nodes[1]!.send(UInt64(term), to: peer) }
        }
        #expect(Self.eventually { (2...5).allSatisfy { nodes[$0]!.terms(from: 1).count == 3 } })
        let data = recorded.withLock { $0.filter { DatagramKind.of($0) == .sealed && $0.count > 28 } }
        let sample = try #require(data.last)
        let from1 = nodes[1]!.endpoint.socket
        for peer: NodeID in 3...5 {
            _ = from1.send(sample, to: nodes[peer]!.endpoint.socket.localAddress)
        }
        _ = from1.send(sample, to: nodes[2]!.endpoint.socket.localAddress)
        #expect(Self.eventually {
            (3...5).allSatisfy { nodes[$0]!.endpoint.drops[.unknownSession] + nodes[$0]!.endpoint.drops[.authentication] >= 1 }
                && nodes[2]!.endpoint.drops[.replay] >= 1
        })
        // Node 2 restarts; the recording, replayed to it, names a session it never had.
        nodes[2]!.endpoint.stop()
        let restarted = try Node(id: 2, identity: nodes[2]!.identity, psk: try Self.sharedPSK(of: nodes[1]!))
        for (id, n) in nodes where id != 2 { restarted.endpoint.addPeer(id, at: n.endpoint.socket.localAddress, publicKey: n.identity.publicKey) }
        restarted.start()
        defer { restarted.endpoint.stop() }
        _ = from1.send(sample, to: restarted.endpoint.socket.localAddress)
        #expect(Self.eventually { restarted.endpoint.drops[.unknownSession] >= 1 })
        usleep(50_000)
        for peer: NodeID in 3...5 { #expect(nodes[peer]!.terms(from: 1).count == 3, "nothing replayed was delivered") }
        #expect(restarted.terms(from: 1).isEmpty)
    }

    @Test func aForgedInitiationFloodCostsNoDiffieHellmanAndRealHandshakesGoOn() throws {
        let nodes = try Self.cluster(5)
        defer { Self.stop(nodes) }
        let flood = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        var rng = SeededRandom(seed: 3)
        let target = nodes[1]!.endpoint.socket.localAddress
        for round in 0..<3000 {
            let noise = (0..<HandshakeInitiation.noiseSize).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let forged = HandshakeInitiation(clusterID: 4, sender: NodeID(2 + round % 4), senderIndex: UInt32(round), noise: noise, mac1: [UInt8](repeating: 7, count: 16))
            _ = flood.send(forged.encode(), to: target)
            if round % 500 == 0 {
                for peer: NodeID in 2...5 { nodes[peer]!.send(UInt64(round), to: 1) }
            }
        }
        #expect(Self.eventually { (2...5).allSatisfy { nodes[1]!.terms(from: $0).count == 6 } })
        let counters = nodes[1]!.endpoint.counters
        #expect(counters.diffieHellman == 4 * counters.sessionsEstablished, "only the real handshakes cost X25519")
        #expect(nodes[1]!.endpoint.drops[.badMAC] > 0)
    }

    /// Before: a stolen node could be shut out only by re-keying every node.
    @Test func aRevokedEndpointIsRefusedAndTheOthersKeepTheirSessions() throws {
        var nodes = try Self.cluster(5)
        defer { Self.stop(nodes) }
        for peer: NodeID in 2...5 {
            nodes[peer]!.send(1, to: 1)
            nodes[1]!.send(1, to: peer)
        }
        #expect(Self.eventually { (2...5).allSatisfy { nodes[1]!.terms(from: $0) == [1] && nodes[$0]!.terms(from: 1) == [1] } })
        let established = nodes[1]!.endpoint.counters.sessionsEstablished
        nodes[1]!.endpoint.revoke(5)
        nodes[1]!.send(2, to: 5, handle: 77)
        nodes[5]!.send(2, to: 1)
        // The revoked node comes back with a new handshake: refused.
        nodes[5]!.endpoint.stop()
        let returned = try Node(id: 5, identity: nodes[5]!.identity, psk: try Self.sharedPSK(of: nodes[1]!))
        for (id, n) in nodes where id != 5 { returned.endpoint.addPeer(id, at: n.endpoint.socket.localAddress, publicKey: n.identity.publicKey) }
        returned.start()
        nodes[5] = returned
        returned.send(3, to: 1)
        #expect(Self.eventually { nodes[1]!.endpoint.drops[.unknownPeer] >= 1 && nodes[1]!.gaveUp.withLock { $0.contains { $0.handle == 77 } } })
        for peer: NodeID in 2...4 { nodes[peer]!.send(4, to: 1) }
        #expect(Self.eventually { (2...4).allSatisfy { nodes[1]!.terms(from: $0) == [1, 4] } })
        #expect(nodes[1]!.terms(from: 5) == [1])
        #expect(nodes[1]!.endpoint.counters.sessionsEstablished == established, "no other session was replaced")
        #expect(!nodes[1]!.endpoint.hasSession(with: 5))
    }
}
