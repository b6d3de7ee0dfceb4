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

/// Monotonic nanoseconds, for round-trip samples.
func nowNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The floor: two poll-based UDP sockets on loopback, the server echoing on its own thread.
final class BarePingPong: Sendable {
    private let server: UDPSocket
    private let client: UDPSocket
    private let request: [UInt8]
    private let stopFlag = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(payloadBytes: Int) throws {
        server = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        client = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        request = [UInt8](repeating: 0x42, count: payloadBytes)
        let thread = Thread { [self] in
            while !stopFlag.withLock({ $0 }) {
                guard server.waitReadable(timeoutMillis: 100) else { continue }
                for (bytes, from) in server.receiveAll() { server.send(bytes, to: from) }
            }
            finished.signal()
        }
        thread.name = "edgeraft-bench-echo"
        thread.start()
    }

    /// `count` round trips, one at a time; a lost one (1 s without answer) is left out.
    func roundTrips(_ count: Int) -> [UInt64] {
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = nowNanos()
            client.send(request, to: server.localAddress)
            var answered = false
            while !answered {
                guard client.waitReadable(timeoutMillis: 1000) else { break }
                answered = !client.receiveAll(limit: 1).isEmpty
            }
            if answered { samples.append(nowNanos() - start) }
        }
        return samples
    }

    func stop() {
        stopFlag.withLock { $0 = true }
        finished.wait()
    }
}

/// Two `TransportEndpoint`s on loopback, each with its event-loop thread; the server
/// echoes each request, the client's handler sends the next request from its loop thread.
final class TransportPingPong {
    private struct Block {
        var remaining = 0
        var started: UInt64 = 0
        var samples: [UInt64] = []
        var first = true
    }

    /// What the client's handler shares with the thread that asks for a block.
    private final class Shared: Sendable {
        let block = Mutex(Block())
        let done = DispatchSemaphore(value: 0)
    }

    private let server: TransportEndpoint
    private let client: TransportEndpoint
    private let request: Message
    private let shared = Shared()

    /// `beforeClientStarts` runs on the calling thread after the server's loop started and
    /// before the client's does (to pin threads).
    init(payloadBytes: Int, sealed: Bool, beforeClientStarts: () -> Void) throws {
        // Each side its own identity, the cluster key as the handshake's pre-shared key.
        let clusterKey = try ClusterKey(hex: ClusterKey.generateHex(), source: "benchmark")
        let serverIdentity = NodeIdentity.generate(), clientIdentity = NodeIdentity.generate()
        let serverProtection: Protection = sealed ? .sealed(serverIdentity, presharedKey: clusterKey) : .insecure
        let clientProtection: Protection = sealed ? .sealed(clientIdentity, presharedKey: clusterKey) : .insecure
        server = try TransportEndpoint(.init(id: 2, clusterID: 9, protection: serverProtection, listen: try SocketAddress("127.0.0.1:0"), peers: [:]))
        client = try TransportEndpoint(.init(id: 1, clusterID: 9, protection: clientProtection, listen: try SocketAddress("127.0.0.1:0"), peers: [:]))
        server.addPeer(1, at: client.socket.localAddress, publicKey: clientIdentity.publicKey)
        client.addPeer(2, at: server.socket.localAddress, publicKey: serverIdentity.publicKey)
        // `payloadBytes` of frame: InstallSnapshot's head takes 6, its data the rest.
        let request = Message.installSnapshot(InstallSnapshot(
            term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: false,
            data: [UInt8](repeating: 0x42, count: max(payloadBytes - 6, 0))))
        self.request = request
        server.start { endpoint, peer, received in
            endpoint.send(OutgoingMessage(received, deadlineMicros: MonotonicClock.nowMicros() + 5_000_000), to: peer)
        }
        beforeClientStarts()
        client.start { [shared] endpoint, peer, _ in
            let now = nowNanos()
            let next: Bool = shared.block.withLock { b in
                // The first request of a block is sent from another thread, which adds a
                // thread hop: not counted.
                if !b.first { b.samples.append(now - b.started) }
                b.first = false
                b.remaining -= 1
                guard b.remaining > 0 else { return false }
                b.started = nowNanos()
                return true
            }
            if next {
                endpoint.send(OutgoingMessage(request, deadlineMicros: MonotonicClock.nowMicros() + 5_000_000), to: peer)
            } else {
                shared.done.signal()
            }
        }
    }

    /// About `count` round trips, one at a time (the first of the block is not counted).
    func roundTrips(_ count: Int) -> [UInt64] {
        shared.block.withLock { $0 = Block(remaining: count + 1, started: nowNanos()) }
        client.send(OutgoingMessage(request, deadlineMicros: MonotonicClock.nowMicros() + 5_000_000), to: 2)
        _ = shared.done.wait(timeout: .now() + 120)
        return shared.block.withLock { $0.samples }
    }

    /// What the endpoints say an operator should know (insecure mode, clamped buffers).
    var startupWarnings: [String] {
        Array(Set(client.startupWarnings + server.startupWarnings)).sorted()
    }

    /// Average bytes of one request datagram so far (header, frames, tag).
    var bytesPerDatagram: Double {
        client.statistics(for: 2).map { Double($0.bytesSent) / Double(max($0.datagramsSent, 1)) } ?? 0
    }

    func stop() {
        client.stop()
        server.stop()
    }
}
