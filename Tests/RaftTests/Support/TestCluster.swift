import Wire
@testable import Raft

/// A few nodes wired directly together: messages are delivered in order, at once, unless
/// a link is cut. Every Ready is persisted to an in-memory "disk" before its messages go
/// out, as the real shell does. For scripted scenarios; the seeded simulation with delay,
/// loss and crashes is `ClusterSimulation`.
struct TestCluster {
    var nodes: [NodeID: RaftNode] = [:]
    var disk: [NodeID: (hardState: HardState, entries: [Entry])] = [:]
    var snapshots: [NodeID: Snapshot] = [:]
    var applied: [NodeID: [Entry]] = [:]
    /// Every message that was sent, delivered or not, in order.
    var sent: [Envelope] = []
    /// Directed links that drop everything.
    var cut: Set<[NodeID]> = []
    /// Messages for which this returns false are dropped.
    var filter: ((Envelope) -> Bool)?
    /// Proposals a node handed back to forward to a leader, not yet delivered.
    var forwarded: [(NodeID, Proposal)] = []
    /// How many forwarded proposals were delivered.
    var forwardsDelivered = 0

    /// With `defaultRandomness`, nodes keep `RaftConfig`'s default seed, as a real node does;
    /// otherwise each gets a fixed seed of its own so the scenario replays exactly.
    init(_ ids: [NodeID], defaultRandomness: Bool = false, configure: (inout RaftConfig) -> Void = { _ in }) {
        for id in ids {
            var config = RaftConfig(id: id, voters: ids)
            if !defaultRandomness { config.seed = UInt64(id) * 7 + 1 }
            configure(&config)
            nodes[id] = RaftNode(config: config)
            disk[id] = (HardState(), [])
            applied[id] = []
        }
    }

    subscript(_ id: NodeID) -> RaftNode {
        get { nodes[id]! }
        set { nodes[id] = newValue }
    }

    var leaders: [NodeID] { nodes.values.filter { $0.role == .leader }.map(\.id).sorted() }

    func isCut(_ from: NodeID, _ to: NodeID) -> Bool { cut.contains([from, to]) }

    mutating func isolate(_ id: NodeID) {
        for other in nodes.keys where other != id {
            cut.insert([id, other])
            cut.insert([other, id])
        }
    }

    mutating func heal() { cut = [] }

    /// Persists one node's Ready and returns its messages.
    mutating func flush(_ id: NodeID) -> [Envelope] {
        var node = nodes[id]!
        let ready = node.takeReady()
        nodes[id] = node
        if let snapshot = ready.snapshotToInstall {
            snapshots[id] = snapshot
            disk[id]!.entries.removeAll { $0.index <= snapshot.position.index }
            applied[id] = []
        }
        if let hs = ready.hardState { disk[id]!.hardState = hs }
        if let first = ready.entriesToPersist.first {
            disk[id]!.entries.removeAll { $0.index >= first.index }
            disk[id]!.entries += ready.entriesToPersist
        }
        applied[id]! += ready.committedEntries
        forwarded += ready.forwards.flatMap { f in f.proposals.map { (f.leader, $0) } }
        return ready.messages
    }

    /// Delivers messages until the network is quiet; returns how many were delivered.
    @discardableResult
    mutating func settle(maxMessages: Int = 100_000) -> Int {
        var delivered = 0
        var queue: [Envelope] = []
        for id in nodes.keys.sorted() { queue += flush(id) }
        while (!queue.isEmpty || !forwarded.isEmpty) && delivered < maxMessages {
            if queue.isEmpty {
                // A gateway forwards what it held to the leader it learned of.
                let (target, proposal) = forwarded.removeFirst()
                forwardsDelivered += 1
                _ = nodes[target]?.propose(proposal)
                queue += flush(target)
                continue
            }
            let envelope = queue.removeFirst()
            sent.append(envelope)
            if isCut(envelope.from, envelope.to) { continue }
            if let filter, !filter(envelope) { continue }
            guard nodes[envelope.to] != nil else { continue }
            nodes[envelope.to]!.step(envelope)
            delivered += 1
            queue += flush(envelope.to)
        }
        return delivered
    }

    /// Adds a node that is not yet in anyone's membership (it learns it from the log).
    mutating func addNode(_ id: NodeID, voters: [NodeID]) {
        var config = RaftConfig(id: id, voters: voters)
        config.seed = UInt64(id) * 7 + 1
        nodes[id] = RaftNode(config: config)
        disk[id] = (HardState(), [])
        applied[id] = []
    }

    /// Compacts a node's log through what it applied, as its shell would.
    mutating func compact(_ id: NodeID) {
        let index = nodes[id]!.appliedIndex
        if let snapshot = nodes[id]!.compact(through: index, data: Array("state@\(index)".utf8)) {
            snapshots[id] = snapshot
            disk[id]!.entries.removeAll { $0.index <= index }
        }
    }

    mutating func campaign(_ id: NodeID) {
        nodes[id]!.campaign()
        settle()
    }

    mutating func tick(_ id: NodeID, _ times: Int = 1) {
        for _ in 0..<times {
            nodes[id]!.tick()
            settle()
        }
    }

    mutating func tickAll(_ times: Int = 1) {
        for _ in 0..<times {
            for id in nodes.keys.sorted() { nodes[id]!.tick() }
            settle()
        }
    }

    /// Ticks only `ids` (the others are down: cut them off too).
    mutating func tick(only ids: [NodeID], _ times: Int = 1) {
        for _ in 0..<times {
            for id in ids.sorted() { nodes[id]!.tick() }
            settle()
        }
    }

    @discardableResult
    mutating func propose(_ id: NodeID, tag: UInt64, _ bytes: [UInt8] = []) -> ProposalOutcome {
        let outcome = nodes[id]!.propose(Proposal(tag: tag, kind: .decision, payload: bytes.isEmpty ? tagBytes(tag) : bytes))
        settle()
        return outcome
    }

    /// Restarts a node from its disk, as after a crash.
    mutating func restart(_ id: NodeID) {
        let config = nodes[id]!.config
        nodes[id] = RaftNode(config: config, hardState: disk[id]!.hardState, snapshot: snapshots[id], entries: disk[id]!.entries)
        applied[id] = []
    }

    /// Gives a node a log directly (entries of the given terms), as if written earlier.
    mutating func setLog(_ id: NodeID, terms: [UInt64], term: UInt64? = nil) {
        let entries = terms.enumerated().map { Entry(index: UInt64($0.offset + 1), term: $0.element, kind: .decision, payload: [UInt8($0.offset & 0xFF)]) }
        let hs = HardState(term: term ?? (terms.last ?? 0), vote: nil, commit: 0)
        disk[id] = (hs, entries)
        restart(id)
    }

    func tagBytes(_ tag: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: tag >> ($0 * 8)) }
    }

    func messages(from: NodeID? = nil, to: NodeID? = nil, where predicate: (RaftMessage) -> Bool = { _ in true }) -> [Envelope] {
        sent.filter { (from == nil || $0.from == from) && (to == nil || $0.to == to) && predicate($0.message) }
    }
}

extension RaftMessage {
    var isAppend: Bool { if case .appendEntries = self { true } else { false } }
    var isVoteRequest: Bool { if case .requestVote = self { true } else { false } }
    var appendEntries: AppendEntries? { if case .appendEntries(let a) = self { a } else { nil } }
}
