import Benchmark
import BenchSupport
import Crypto
import Transport
import Wire

/// The work Transport does per datagram and per round trip, without sockets or threads:
/// sealing and opening, and a request and its response between two `PeerLink`s through
/// their receive gates — what each endpoint's event loop runs once per message. The
/// swift-crypto public-API seal is here for comparison (see ChaChaPolyAEAD.swift).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .edgeRaft

    // Fixed session keys, so that runs compare; never real ones.
    guard let key = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0x5A, count: 32)),
          let otherKey = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0xA5, count: 32)) else { return }
    // 64 bytes of frame, as `edgeraft bench transport` sends: InstallSnapshot's head takes 6.
    let request = Message.installSnapshot(InstallSnapshot(
        term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: false, data: [UInt8](repeating: 0x42, count: 58)))
    let payload = Payload.encode([request])

    Benchmark("seal and open one datagram (\(payload.count) B payload)") { benchmark in
        let sealer = DatagramSealer(clusterID: 1, receiverIndex: 7, key: key)
        var gate = DatagramOpener(key: key)
        var packet: UInt64 = 0
        for _ in benchmark.scaledIterations {
            packet += 1
            guard let number = PacketNumber(packet) else { return }
            var datagram = DatagramSealer.newDatagram(payloadCapacity: payload.count)
            datagram += payload
            _ = sealer.seal(&datagram, packet: number, ackEliciting: true)
            blackHole(gate.open(datagram, clusterID: 1))
        }
    }

    // A whole Noise IK handshake between two nodes, both sides (four X25519 each), through
    // `TransportCore`: initiation, response, first datagram.
    Benchmark("session handshake, both sides (TransportCore)") { benchmark in
        let a = NodeIdentity.generate(), b = NodeIdentity.generate()
        guard let source = try? SocketAddress("127.0.0.1:9") else { return }
        var config = SessionConfig()
        config.initiationsPerSecond = 1_000_000_000
        config.initiationBurst = 1_000_000_000
        for _ in benchmark.scaledIterations {
            var ca = TransportCore.Configuration(id: 1, clusterID: 1, protection: .sealed(a, presharedKey: nil))
            var cb = TransportCore.Configuration(id: 2, clusterID: 1, protection: .sealed(b, presharedKey: nil))
            ca.sessions = config
            cb.sessions = config
            var nodeA = TransportCore(ca), nodeB = TransportCore(cb)
            nodeA.addPeer(2, publicKey: b.publicKey)
            nodeB.addPeer(1, publicKey: a.publicKey)
            nodeA.enqueue(OutgoingMessage(request, deadlineMicros: .max), to: 2, now: 0)
            var out: [(NodeID, [UInt8])] = [], given: [(NodeID, UInt64)] = [], delivered: [(NodeID, Message)] = []
            _ = nodeA.poll(now: 0, datagrams: &out, gaveUp: &given)
            for (_, d) in out { nodeB.receive(d, from: source, now: 0, into: &delivered) }
            out = []
            _ = nodeB.poll(now: 0, datagrams: &out, gaveUp: &given)
            for (_, d) in out { nodeA.receive(d, from: source, now: 0, into: &delivered) }
            out = []
            _ = nodeA.poll(now: 0, datagrams: &out, gaveUp: &given)
            for (_, d) in out { nodeB.receive(d, from: source, now: 0, into: &delivered) }
            blackHole(delivered)
        }
    }

    Benchmark("swift-crypto ChaChaPoly seal, public API (\(payload.count) B payload)") { benchmark in
        let symmetric = SymmetricKey(data: [UInt8](repeating: 0x5A, count: 32))
        let header = [UInt8](repeating: 1, count: DatagramHeader.size)
        guard let nonce = try? ChaChaPoly.Nonce(data: [UInt8](repeating: 3, count: 12)) else { return }
        for _ in benchmark.scaledIterations {
            blackHole(try? ChaChaPoly.seal(payload, using: symmetric, nonce: nonce, authenticating: header))
        }
    }

    for sealed in [true, false] {
        let mode = sealed ? "sealed" : "insecure"
        Benchmark("PeerLink request/response round trip, \(mode)") { benchmark in
            var client = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 7, key: sealed ? key : nil))
            var server = PeerLink(peer: 1, sealer: DatagramSealer(clusterID: 1, receiverIndex: 8, key: sealed ? otherKey : nil))
            var clientGate = DatagramOpener(key: sealed ? otherKey : nil)
            var serverGate = DatagramOpener(key: sealed ? key : nil)
            var now: UInt64 = 1_000_000
            for _ in benchmark.scaledIterations {
                now += 20
                client.enqueue(OutgoingMessage(request, deadlineMicros: now + 5_000_000))
                for datagram in client.poll(now: now).datagrams {
                    guard case .success(let opened) = serverGate.open(datagram, clusterID: 1) else { continue }
                    for message in server.receive(opened, now: now) {
                        server.enqueue(OutgoingMessage(message, deadlineMicros: now + 5_000_000))
                    }
                }
                for datagram in server.poll(now: now).datagrams {
                    guard case .success(let opened) = clientGate.open(datagram, clusterID: 1) else { continue }
                    blackHole(client.receive(opened, now: now))
                }
            }
        }
    }
}
