import Crypto
import Synchronization
import Wire
@testable import Transport

/// Whole nodes (`TransportCore`s) joined by a lossless in-memory network on simulated
/// time, with every datagram recorded and a filter to drop some: the session tests.
struct CoreNetwork {
    final class Clock: Sendable {
        let micros = Mutex<UInt64>(1_800_000_000_000_000)
        func advance(_ by: UInt64) { micros.withLock { $0 += by } }
        func read() -> UInt64 { micros.withLock { $0 } }
    }

    struct Sent {
        var from: NodeID
        var to: NodeID
        var bytes: [UInt8]
        /// The sending key's fingerprint (first 8 bytes of its SHA-256) for data datagrams.
        var keyID: [UInt8]?
    }

    var cores: [NodeID: TransportCore] = [:]
    var identities: [NodeID: NodeIdentity] = [:]
    let psk: ClusterKey?
    let clock = Clock()
    var now: UInt64 = 1_000
    var sessions = SessionConfig()
    var delivered: [NodeID: [(from: NodeID, message: Message)]] = [:]
    var gaveUp: [NodeID: [(peer: NodeID, handle: UInt64)]] = [:]
    var sent: [Sent] = []
    /// Datagrams for which this returns false are lost.
    var pass: (Sent) -> Bool = { _ in true }

    init(nodes: [NodeID], psk: ClusterKey? = nil, sessions: SessionConfig = SessionConfig()) {
        self.psk = psk
        self.sessions = sessions
        for id in nodes { identities[id] = NodeIdentity.generate() }
        for id in nodes { start(id) }
    }

    static func address(_ id: NodeID) -> SocketAddress { try! SocketAddress("127.0.0.1:\(7000 + Int(id))") }

    /// (Re)starts node `id` with its identity and the whole roster: a restart forgets
    /// everything but the key.
    /// `clockBehind`: this node's wall clock runs that far behind the others' (an RTC-less
    /// Pi after a restart); `timestampFloor`: the high-water mark it persisted before.
    mutating func start(_ id: NodeID, identity: NodeIdentity? = nil, claiming: NodeID? = nil, clockBehind: UInt64 = 0, timestampFloor: UInt64 = 0) {
        var configuration = TransportCore.Configuration(
            id: claiming ?? id, clusterID: 5, protection: .sealed(identity ?? identities[id]!, presharedKey: psk))
        configuration.sessions = sessions
        configuration.sessions.timestampFloor = timestampFloor
        let clock = self.clock
        var core = TransportCore(configuration, wallClockMicros: { clock.read() - clockBehind })
        for (peer, key) in identities where peer != (claiming ?? id) { core.addPeer(peer, publicKey: key.publicKey) }
        cores[id] = core
        delivered[id] = delivered[id] ?? []
        gaveUp[id] = gaveUp[id] ?? []
    }

    mutating func send(_ from: NodeID, _ to: NodeID, _ message: Message, handle: UInt64 = 0, deadline: UInt64 = .max) {
        cores[from]!.enqueue(OutgoingMessage(message, deadlineMicros: deadline, handle: handle), to: to, now: now)
    }

    /// The key a data datagram from `from` to `to` was sealed with (its fingerprint).
    func keyID(_ bytes: [UInt8], from: NodeID, to: NodeID) -> [UInt8]? {
        guard DatagramKind.of(bytes) == .sealed, let core = cores[from],
              case .success(let header) = DatagramOpener.header(of: bytes, clusterID: 5),
              let peer = core.peers.first(where: { $0.id == to }),
              let session = [peer.current, peer.previous].compactMap({ $0 }).first(where: { $0.remoteIndex == header.receiverIndex })
        else { return nil }
        return session.sendKeyID
    }

    /// Delivers `bytes` to `to` as if from `from`'s address.
    mutating func inject(_ bytes: [UInt8], to: NodeID, from: NodeID) {
        var deliveries: [(NodeID, Message)] = []
        cores[to]!.receive(bytes, from: Self.address(from), sourcePeer: from, now: now, into: &deliveries)
        delivered[to]! += deliveries.map { (from: $0.0, message: $0.1) }
    }

    /// Polls every node and carries datagrams until nothing moves, advancing time by
    /// `tick` when idle, up to `duration`.
    mutating func run(for duration: UInt64, tick: UInt64 = 5_000) {
        let end = now + duration
        while now <= end {
            var moved = false
            for id in cores.keys.sorted() {
                var datagrams: [(NodeID, [UInt8])] = []
                var given: [(NodeID, UInt64)] = []
                _ = cores[id]!.poll(now: now, datagrams: &datagrams, gaveUp: &given)
                gaveUp[id]! += given.map { (peer: $0.0, handle: $0.1) }
                // Datagrams to an address (cookie replies) reach the node listening there.
                var addressed: [(SocketAddress, [UInt8])] = []
                cores[id]!.takeAddressedDatagrams(into: &addressed)
                for (address, bytes) in addressed {
                    guard let to = cores.keys.first(where: { Self.address($0) == address }) else { continue }
                    datagrams.append((to, bytes))
                }
                for (to, bytes) in datagrams {
                    let record = Sent(from: id, to: to, bytes: bytes, keyID: keyID(bytes, from: id, to: to))
                    sent.append(record)
                    moved = true
                    guard pass(record), cores[to] != nil else { continue }
                    inject(bytes, to: to, from: id)
                }
            }
            if !moved {
                now += tick
                clock.advance(tick)
            }
        }
    }
}
