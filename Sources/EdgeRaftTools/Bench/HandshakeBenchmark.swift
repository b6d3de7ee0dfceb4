import Foundation
import Transport
import Wire

/// What a session handshake costs each side, through `TransportCore` (Noise IK: four
/// X25519 per side, plus mac1, HKDF and the ChaChaPoly of the handshake): the initiator
/// writes the initiation and reads the response; the responder checks and reads the
/// initiation and writes the response.
public enum HandshakeBenchmark {
    public struct Result: Sendable {
        public var rounds: Int
        public var initiatorMedianMicros: Double
        public var responderMedianMicros: Double

        public var render: String {
            String(format: "session handshake (Noise_IKpsk2_25519_ChaChaPoly_SHA256), %d rounds\n  initiator: %.1f µs median\n  responder: %.1f µs median",
                   rounds, initiatorMedianMicros, responderMedianMicros)
        }
    }

    static func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public static func run(rounds: Int) throws -> Result {
        let a = NodeIdentity.generate(), b = NodeIdentity.generate()
        let psk = try ClusterKey(hex: ClusterKey.generateHex(), source: "benchmark")
        let source = try SocketAddress("127.0.0.1:9")
        var sessions = SessionConfig()
        sessions.initiationsPerSecond = 1_000_000_000
        sessions.initiationBurst = 1_000_000_000
        let message = OutgoingMessage(.timeoutNow(TimeoutNow(term: 1)), deadlineMicros: .max)
        var initiator: [Double] = [], responder: [Double] = []
        for _ in 0..<rounds {
            var ca = TransportCore.Configuration(id: 1, clusterID: 1, protection: .sealed(a, presharedKey: psk))
            var cb = TransportCore.Configuration(id: 2, clusterID: 1, protection: .sealed(b, presharedKey: psk))
            ca.sessions = sessions
            cb.sessions = sessions
            var nodeA = TransportCore(ca), nodeB = TransportCore(cb)
            nodeA.addPeer(2, publicKey: b.publicKey)
            nodeB.addPeer(1, publicKey: a.publicKey)
            var out: [(NodeID, [UInt8])] = [], given: [(NodeID, UInt64)] = [], delivered: [(NodeID, Message)] = []
            let t0 = nanos()
            nodeA.enqueue(message, to: 2, now: 0)
            _ = nodeA.poll(now: 0, datagrams: &out, gaveUp: &given)
            let t1 = nanos()
            let initiation = out
            out = []
            for (_, d) in initiation { nodeB.receive(d, from: source, now: 0, into: &delivered) }
            _ = nodeB.poll(now: 0, datagrams: &out, gaveUp: &given)
            let t2 = nanos()
            let response = out
            out = []
            for (_, d) in response { nodeA.receive(d, from: source, now: 0, into: &delivered) }
            let t3 = nanos()
            guard nodeA.hasSession(with: 2) else { throw CocoaError(.featureUnsupported) }
            initiator.append(Double((t1 - t0) + (t3 - t2)) / 1000)
            responder.append(Double(t2 - t1) / 1000)
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
        return Result(rounds: rounds, initiatorMedianMicros: median(initiator), responderMedianMicros: median(responder))
    }
}
