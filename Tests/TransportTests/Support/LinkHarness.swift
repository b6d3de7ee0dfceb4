import Wire
@testable import Transport

/// Nodes joined by `PeerLink`s, sealed datagrams and a `LinkEmulator`, on simulated time:
/// the Transport acceptance tests, deterministic by seed.
struct LinkHarness {
    enum Event {
        case deliver(to: NodeID, from: NodeID, [UInt8])
        case wake(NodeID, NodeID)
    }

    static let key = try! ClusterKey(hex: String(repeating: "5a", count: 32), source: "test")

    var emulator: LinkEmulator
    var links: [NodeID: [NodeID: PeerLink]] = [:]
    var gates: [NodeID: DatagramGate] = [:]
    var events = EventQueue<Event>()
    /// The earliest wake-up already scheduled per link, so that stale ones do not pile up.
    var wakeAt: [[NodeID]: UInt64] = [:]
    var now: UInt64 = 0
    var delivered: [NodeID: [Message]] = [:]
    var gaveUp: [NodeID: [UInt64]] = [:]

    init(nodes: [NodeID], conditions: LinkEmulator.Conditions, seed: UInt64, config: PeerLinkConfig = PeerLinkConfig()) {
        emulator = LinkEmulator(conditions, seed: seed)
        for a in nodes {
            gates[a] = DatagramGate(protection: .sealed(Self.key), clusterID: 1)
            delivered[a] = []
            gaveUp[a] = []
            for b in nodes where b != a {
                let sealer = DatagramSealer(protection: .sealed(Self.key), clusterID: 1, sender: a, keyEpoch: 1)
                links[a, default: [:]][b] = PeerLink(peer: b, sealer: sealer, config: config)
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
                guard let opened = gates[to]!.open(datagram) else { continue }
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
        _ = gates[node]!.open(bytes)
    }
}
