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

    // A fixed key, so that runs compare; never a real cluster key.
    guard let key = try? ClusterKey(bytes: [UInt8](repeating: 0x5A, count: 32)) else { return }
    // 64 bytes of frame, as `edgeraft bench transport` sends: InstallSnapshot's head takes 6.
    let request = Message.installSnapshot(InstallSnapshot(
        term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: false, data: [UInt8](repeating: 0x42, count: 58)))
    let payload = Payload.encode([request])

    Benchmark("seal and open one datagram (\(payload.count) B payload)") { benchmark in
        let sealer = DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 2, keyEpoch: 1)
        var gate = DatagramGate(protection: .sealed(key), clusterID: 1)
        var packet: UInt64 = 0
        for _ in benchmark.scaledIterations {
            packet += 1
            guard let number = PacketNumber(packet) else { return }
            var datagram = DatagramSealer.newDatagram(payloadCapacity: payload.count)
            datagram += payload
            _ = sealer.seal(&datagram, packet: number, ackEliciting: true)
            blackHole(gate.open(datagram))
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

    for protection in [Protection.sealed(key), .insecure] {
        let mode = if case .sealed = protection { "sealed" } else { "insecure" }
        Benchmark("PeerLink request/response round trip, \(mode)") { benchmark in
            var client = PeerLink(peer: 2, sealer: DatagramSealer(protection: protection, clusterID: 1, sender: 1, keyEpoch: 1))
            var server = PeerLink(peer: 1, sealer: DatagramSealer(protection: protection, clusterID: 1, sender: 2, keyEpoch: 1))
            var clientGate = DatagramGate(protection: protection, clusterID: 1)
            var serverGate = DatagramGate(protection: protection, clusterID: 1)
            var now: UInt64 = 1_000_000
            for _ in benchmark.scaledIterations {
                now += 20
                client.enqueue(OutgoingMessage(request, deadlineMicros: now + 5_000_000))
                for datagram in client.poll(now: now).datagrams {
                    guard let opened = serverGate.open(datagram) else { continue }
                    for message in server.receive(opened, now: now) {
                        server.enqueue(OutgoingMessage(message, deadlineMicros: now + 5_000_000))
                    }
                }
                for datagram in server.poll(now: now).datagrams {
                    guard let opened = clientGate.open(datagram) else { continue }
                    blackHole(client.receive(opened, now: now))
                }
            }
        }
    }
}
