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
    var events = Heap()
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
        events.push(time, event)
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
        while let next = events.peekTime, next <= time, let first = events.pop() {
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

    /// A min-heap of events by time; ties in insertion order.
    struct Heap {
        var items: [(time: UInt64, seq: Int, event: Event)] = []
        var seq = 0

        var peekTime: UInt64? { items.first?.time }

        mutating func push(_ time: UInt64, _ event: Event) {
            seq += 1
            items.append((time, seq, event))
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard less(child, parent) else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> (time: UInt64, seq: Int, event: Event)? {
            guard !items.isEmpty else { return nil }
            items.swapAt(0, items.count - 1)
            let top = items.removeLast()
            var parent = 0
            while true {
                let l = 2 * parent + 1, r = l + 1
                var m = parent
                if l < items.count && less(l, m) { m = l }
                if r < items.count && less(r, m) { m = r }
                if m == parent { break }
                items.swapAt(parent, m)
                parent = m
            }
            return top
        }

        func less(_ a: Int, _ b: Int) -> Bool {
            items[a].time < items[b].time || (items[a].time == items[b].time && items[a].seq < items[b].seq)
        }
    }
}
