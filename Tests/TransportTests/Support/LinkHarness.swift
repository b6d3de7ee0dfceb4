import Crypto
import NetworkModel
import Wire
@testable import Transport

/// Nodes joined by `PeerLink`s, sealed datagrams and a `LinkEmulator`, on simulated time:
/// the Transport acceptance tests, deterministic by seed.
struct LinkHarness {
    enum Event {
        case deliver(to: NodeID, from: NodeID, [UInt8])
        case wake(NodeID, NodeID)
    }

    /// One fixed session key per ordered pair, as a handshake would have given.
    static func key(_ from: NodeID, _ to: NodeID) -> ChaChaPolyAEAD {
        ChaChaPolyAEAD(key: SymmetricKey(data: SHA256.hash(data: [UInt8(truncatingIfNeeded: from), UInt8(truncatingIfNeeded: to), 0x5a])))!
    }

    var emulator: LinkEmulator
    var links: [NodeID: [NodeID: PeerLink]] = [:]
    /// Per node, per session index (the sender's id here): the session's receive side.
    var gates: [NodeID: [UInt32: DatagramOpener]] = [:]
    var drops: [NodeID: DropCounters] = [:]
    var events = EventQueue<Event>()
    /// The earliest wake-up already scheduled per link, so that stale ones do not pile up.
    var wakeAt: [[NodeID]: UInt64] = [:]
    var now: UInt64 = 0
    var delivered: [NodeID: [Message]] = [:]
    var gaveUp: [NodeID: [UInt64]] = [:]

    init(nodes: [NodeID], conditions: LinkEmulator.Conditions, seed: UInt64, config: PeerLinkConfig = PeerLinkConfig()) {
        emulator = LinkEmulator(conditions, seed: seed)
        for a in nodes {
            gates[a] = [:]
            drops[a] = DropCounters()
            delivered[a] = []
            gaveUp[a] = []
            for b in nodes where b != a {
                let sealer = DatagramSealer(clusterID: 1, receiverIndex: UInt32(a), key: Self.key(a, b))
                links[a, default: [:]][b] = PeerLink(peer: b, sealer: sealer, config: config)
                gates[a]![UInt32(b)] = DatagramOpener(key: Self.key(b, a))
            }
        }
    }

    func link(_ a: NodeID, _ b: NodeID) -> PeerLink { links[a]![b]! }

    mutating func schedule(_ event: Event, at time: UInt64) {
        events.push(event, at: time)
    }

    @discardableResult
    mutating func send(_ from: NodeID, _ to: NodeID, _ message: OutgoingMessage) -> Bool {
        let accepted = links[from]![to]!.enqueue(message)
        pump(from, to)
        return accepted
    }

    mutating func pump(_ a: NodeID, _ b: NodeID) {
        let output = links[a]![b]!.poll(now: now)
        for datagram in output.datagrams {
            for arrival in emulator.transmit(from: a, to: b, bytes: datagram.count, at: now) {
                schedule(.deliver(to: b, from: a, datagram), at: arrival)
            }
        }
        gaveUp[a]! += output.gaveUp
        if let wake = output.nextWakeupMicros {
            let time = max(wake, now + 1)
            if let pending = wakeAt[[a, b]], pending > now, pending <= time { return }
            wakeAt[[a, b]] = time
            schedule(.wake(a, b), at: time)
        }
    }

    /// Runs events until `time` (or until nothing is left to do).
    mutating func run(until time: UInt64) {
        while let next = events.nextTime, next <= time, let first = events.pop() {
            now = max(now, first.time)
            switch first.event {
            case .deliver(let to, let from, let datagram):
                guard let opened = open(datagram, at: to) else { continue }
                delivered[to]! += links[to]![from]!.receive(opened, now: now)
                pump(to, from)
            case .wake(let a, let b):
                if wakeAt[[a, b]] == first.time { wakeAt[[a, b]] = nil }
                pump(a, b)
            }
        }
        now = max(now, time)
    }

    /// Injects raw bytes at a node, as if from the network.
    mutating func inject(_ bytes: [UInt8], at node: NodeID) {
        _ = open(bytes, at: node)
    }

    /// The endpoint's receive order: header, session by index, then the session's checks.
    mutating func open(_ bytes: [UInt8], at node: NodeID) -> OpenedDatagram? {
        let header: DatagramHeader
        switch DatagramOpener.header(of: bytes, clusterID: 1) {
        case .failure(let reason):
            drops[node]!.count(reason)
            return nil
        case .success(let value):
            header = value
        }
        guard let result = gates[node]![header.receiverIndex]?.open(bytes, header: header) else {
            drops[node]!.count(.unknownSession)
            return nil
        }
        switch result {
        case .failure(let reason):
            drops[node]!.count(reason)
            return nil
        case .success(let opened):
            return opened
        }
    }
}
