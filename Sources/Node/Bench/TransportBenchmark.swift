#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization
import Transport
import Wire

/// Round trips of a 64-byte request and response over real loopback sockets: through
/// Transport (sealed, reliable, each endpoint on its own event-loop thread), and — the
/// floor, measured in the same run — a bare poll-based UDP ping-pong between the same
/// kind of sockets.
public enum TransportBenchmark {
    public struct Result: Sendable {
        public var bareNanos: [UInt64]
        public var transportNanos: [UInt64]
        /// Average bytes of one request datagram through Transport (header, frames, tag).
        public var transportDatagramBytes: Double
        public var payloadBytes: Int
        public var sealed: Bool

        public func percentile(_ values: [UInt64], _ p: Double) -> UInt64 {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(p / 100 * Double(sorted.count - 1) + 0.5))]
        }

        public var render: String {
            func us(_ ns: UInt64) -> String {
                let tenths = (ns + 50) / 100
                return "\(tenths / 10).\(tenths % 10)"
            }
            let bareP50 = percentile(bareNanos, 50), transportP50 = percentile(transportNanos, 50)
            let ratio = Double(transportP50) / Double(max(bareP50, 1))
            return """
                \(payloadBytes)-byte request/response over loopback, \(bareNanos.count) round trips each
                | path | p50 µs | p99 µs | bytes per message |
                |---|---:|---:|---:|
                | bare UDP ping-pong (poll) | \(us(bareP50)) | \(us(percentile(bareNanos, 99))) | \(payloadBytes) |
                | Transport (\(sealed ? "sealed" : "insecure"), reliable) | \(us(transportP50)) | \(us(percentile(transportNanos, 99))) | \(Int(transportDatagramBytes.rounded())) |
                Transport p50 / bare p50 = \(String(Int(ratio * 100) / 100)).\(String(format2(Int(ratio * 100) % 100)))×
                """
        }

        private func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    }

    static func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static func run(rounds: Int, payloadBytes: Int = 64, sealed: Bool = true) throws -> Result {
        let bare = try bareRoundTrips(rounds: rounds, payloadBytes: payloadBytes)
        let (transport, bytes) = try transportRoundTrips(rounds: rounds, payloadBytes: payloadBytes, sealed: sealed)
        return Result(bareNanos: bare, transportNanos: transport, transportDatagramBytes: bytes, payloadBytes: payloadBytes, sealed: sealed)
    }

    static func bareRoundTrips(rounds: Int, payloadBytes: Int) throws -> [UInt64] {
        let server = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        let client = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        let stop = Mutex(false)
        let done = DispatchSemaphore(value: 0)
        let serverThread = Thread {
            while !stop.withLock({ $0 }) {
                guard server.waitReadable(timeoutMillis: 100) else { continue }
                for (bytes, from) in server.receiveAll() { server.send(bytes, to: from) }
            }
            done.signal()
        }
        serverThread.start()
        let request = [UInt8](repeating: 0x42, count: payloadBytes)
        var samples: [UInt64] = []
        samples.reserveCapacity(rounds)
        for round in 0..<(rounds + rounds / 10) {
            let start = nowNanos()
            client.send(request, to: server.localAddress)
            var got = false
            while !got {
                guard client.waitReadable(timeoutMillis: 1000) else { break }
                got = !client.receiveAll(limit: 1).isEmpty
            }
            // The first tenth warms caches and is not counted.
            if got && round >= rounds / 10 { samples.append(nowNanos() - start) }
        }
        stop.withLock { $0 = true }
        done.wait()
        return samples
    }

    static func transportRoundTrips(rounds: Int, payloadBytes: Int, sealed: Bool) throws -> ([UInt64], Double) {
        let protection: Protection = sealed ? .sealed(try ClusterKey(hex: ClusterKey.generateHex(), source: "benchmark")) : .insecure
        let server = try TransportEndpoint(.init(id: 2, clusterID: 9, protection: protection, keyEpoch: 1, listen: try SocketAddress("127.0.0.1:0"), peers: [:]))
        let client = try TransportEndpoint(.init(id: 1, clusterID: 9, protection: protection, keyEpoch: 1, listen: try SocketAddress("127.0.0.1:0"), peers: [:]))
        server.addPeer(1, at: client.socket.localAddress)
        client.addPeer(2, at: server.socket.localAddress)
        // 64 bytes of frame: InstallSnapshot's head takes 6, its data the rest.
        let message = Message.installSnapshot(InstallSnapshot(
            term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: false, data: [UInt8](repeating: 0x42, count: max(payloadBytes - 6, 0))))
        let total = rounds + rounds / 10
        struct Progress { var started: UInt64 = 0; var samples: [UInt64] = []; var count = 0 }
        let progress = Mutex(Progress())
        let done = DispatchSemaphore(value: 0)
        server.start { endpoint, peer, received in
            endpoint.send(OutgoingMessage(received, deadlineMicros: MonotonicClock.nowMicros() + 5_000_000), to: peer)
        }
        client.start { endpoint, peer, _ in
            let next: Bool = progress.withLock { p in
                if p.count >= total / 11 { p.samples.append(nowNanos() - p.started) }
                p.count += 1
                guard p.count < total else { return false }
                p.started = nowNanos()
                return true
            }
            if next {
                endpoint.send(OutgoingMessage(message, deadlineMicros: MonotonicClock.nowMicros() + 5_000_000), to: peer)
            } else {
                done.signal()
            }
        }
        progress.withLock { $0.started = nowNanos() }
        client.send(OutgoingMessage(message, deadlineMicros: MonotonicClock.nowMicros() + 5_000_000), to: 2)
        _ = done.wait(timeout: .now() + 120)
        let stats = client.statistics(for: 2)
        client.stop()
        server.stop()
        let bytes = stats.map { Double($0.bytesSent) / Double(max($0.datagramsSent, 1)) } ?? 0
        return (progress.withLock { $0.samples }, bytes)
    }
}
