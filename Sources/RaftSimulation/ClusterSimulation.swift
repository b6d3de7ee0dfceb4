#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetworkModel
import Raft
import Wire

/// A whole cluster of `RaftNode`s on a seeded simulated network, with crashes, torn
/// writes and partitions, checking Raft's safety properties after every event.
///
/// Each node keeps its durable state with the real `NodeStorage` (write-ahead log and
/// snapshot store) on its own `SimulatedFileSystem`: crashes lose what was not fsynced,
/// may strike in the middle of any storage call, and every restart is a real recovery.
///
/// Discrete-event: nothing waits on a clock, so a minute of cluster time takes
/// milliseconds, and a seed replays exactly.
public struct ClusterSimulation {
    enum Event {
        case deliver(Envelope)
        case tick(NodeID)
        case clientRequest
        /// A proposal reaching `node` (a client retry or a gateway's forward).
        case submit(NodeID?, Proposal)
        /// The client's deadline for a proposal: if it has not committed, send it again.
        case clientTimeout(Proposal)
        case crash
        case restart(NodeID)
        case partition
        case heal
        case membershipChange
        case crashLeader
        /// The late-promotion fault: cut a learner off and promote it.
        case promoteCutOff
        /// Once the promotion at `index` in `term` has committed, take another voter down.
        case crashAfterPromotion(NodeID, index: UInt64, term: UInt64, attemptsLeft: Int)
    }

    struct SimNode {
        var raft: RaftNode?
        /// The node's disk: all that survives a crash.
        var disk: SimulatedFileSystem
        /// Open while the node runs.
        var storage: NodeStorage?
        /// The hard state last acknowledged as durable: recovery must not lose it.
        var durableHardState = HardState()
        var appliedIndex: UInt64 = 0
        /// The state machine: a checksum chained over every applied entry, so that a
        /// snapshot that does not match the log shows up at the next entry.
        var stateHash: UInt32 = 0
        var lastTerm: UInt64 = 0
        var lastCommit: UInt64 = 0
    }

    struct CommittedEntry {
        var entry: Entry
        /// The term of the node that first applied it: any leader of a later term must hold it.
        var seenInTerm: UInt64
    }

    public let options: SimulationOptions
    var rng: SeededRandom
    var now: UInt64 = 0
    var queue = EventQueue<Event>()
    /// Every id in `ids` has an entry for the whole run (a crashed node keeps its disk),
    /// which is what the force unwraps on `nodes[id]` rely on.
    var nodes: [NodeID: SimNode] = [:]
    var ids: [NodeID]
    /// The links between nodes: the same model as Transport's emulator, drawing from `rng`.
    var network: LinkEmulator
    var leaderOfTerm: [UInt64: NodeID] = [:]
    var committed: [UInt64: CommittedEntry] = [:]
    /// The state machine's checksum after each index, as the first node to get there saw it.
    var stateHashAt: [UInt64: UInt32] = [:]
    var proposedAt: [UInt64: UInt64] = [:]
    var committedTags: Set<UInt64> = []
    var nextTag: UInt64 = 1
    var electionStartedAt: UInt64?
    var finalTag: UInt64?
    var healing = false
    /// The late-promotion fault's learner, while every link into it is cut.
    var cutOff: NodeID?
    /// The voter the late-promotion fault took down: it stays down to the end.
    var downForGood: NodeID?
    var encodeBuffer: [UInt8] = []
    var report: SimulationReport

    public init(_ options: SimulationOptions) {
        self.options = options
        self.rng = SeededRandom(seed: options.seed)
        self.ids = (1...max(options.nodes, 1)).map { NodeID($0) }
        self.report = SimulationReport(options: options)
        var profile = options.profile
        profile.loss += options.extraLoss
        // The rate queue is unbounded: datagrams wait, as they always did here.
        self.network = LinkEmulator(
            .init(profile: profile, duplication: options.duplication, queueLimitBytes: .max), seed: options.seed)
        for id in ids {
            let disk = SimulatedFileSystem(seed: options.seed &* 0x9E37_79B9 &+ UInt64(id))
            if options.storageFaults { disk.randomFailureRate = 0.002 }
            nodes[id] = SimNode(raft: nil, disk: disk)
            restart(id)
        }
    }

    /// Where each node keeps its state on its simulated disk, and how: small segments, so
    /// that rolls and segment deletion happen often.
    static let dataDirectory = "/node"
    static let storageOptions = WriteAheadLog.Options(segmentBytes: 2048)

    func config(for id: NodeID) -> RaftConfig {
        var config = RaftConfig(id: id, voters: initialVoters)
        config.learners = ids.filter { !initialVoters.contains($0) }
        config.mode = options.mode
        config.electionTicks = options.electionTicks
        // One seed for every node, as real nodes share one configuration: RaftNode mixes
        // the id in, so a mixing that made one node's stream a shifted copy of another's
        // shows up in the sweep as split votes.
        config.seed = options.seed
        if options.compactAfterEntries > 0 {
            config.compactAfterEntries = options.compactAfterEntries
            config.snapshotChunkBytes = 64
        }
        return config
    }

    /// Every node, or with late promotions two or three: few enough that the promoted
    /// learner's vote is needed once one of the others is down.
    var initialVoters: [NodeID] {
        options.latePromotions ? Array(ids.prefix(min(max(ids.count - 1, 1), 3))) : ids
    }

    /// Runs the whole scenario: traffic and faults, then healing and a final proposal that
    /// must commit.
    public mutating func run() -> SimulationReport {
        encodeBuffer.reserveCapacity(2048)
        for id in ids {
            queue.push(.tick(id), at: random(below: options.tickMicros))
        }
        queue.push(.clientRequest, at: nextRequestDelay())
        if options.crashes { queue.push(.crash, at: faultDelay()) }
        if options.partitions { queue.push(.partition, at: faultDelay()) }
        if options.membershipChanges { queue.push(.membershipChange, at: faultDelay()) }
        if options.latePromotions { queue.push(.promoteCutOff, at: faultDelay()) }
        if options.crashLeaderEveryMicros > 0 { queue.push(.crashLeader, at: options.crashLeaderEveryMicros) }

        let healAt = options.durationMicros
        let deadline = healAt + 200 * options.tickMicros * UInt64(options.electionTicks)
        while let (time, event) = queue.pop() {
            if time > deadline { break }
            if !healing && time >= healAt { startHealing() }
            now = time
            handle(event)
            if !report.violations.isEmpty { break }
            if let finalTag, committedTags.contains(finalTag) {
                report.finalProposalCommitted = true
                break
            }
        }
        report.endMicros = now
        report.committedProposals = committedTags.count
        return report
    }

    // MARK: - Events

    mutating func handle(_ event: Event) {
        switch event {
        case .tick(let id):
            queue.push(.tick(id), at: now + options.tickMicros)
            guard nodes[id]?.raft != nil else { return }
            nodes[id]!.raft!.tick()
            afterInput(id)
        case .deliver(let envelope):
            guard nodes[envelope.to]?.raft != nil else { return }
            nodes[envelope.to]!.raft!.step(envelope)
            afterInput(envelope.to)
        case .clientRequest:
            guard !healing else { return }
            let tag = nextTag
            nextTag += 1
            report.proposals += 1
            proposedAt[tag] = now
            submitWithDeadline(proposal(tag: tag))
            queue.push(.clientRequest, at: now + nextRequestDelay())
        case .submit(let target, let proposal):
            submit(to: target, proposal)
        case .clientTimeout(let proposal):
            if !committedTags.contains(proposal.tag) { submitWithDeadline(proposal) }
        case .crash:
            guard !healing else { return }
            let live = ids.filter { nodes[$0]?.raft != nil }
            // Keep a majority up most of the time, but not always.
            if live.count > Quorum.majority(of: ids.count) || random(below: 4) == 0, let victim = pick(live) {
                crash(victim, powerLoss: random(below: 2) == 0)
                queue.push(.restart(victim), at: now + options.tickMicros * UInt64(options.electionTicks) * (1 + random(below: 8)))
            }
            queue.push(.crash, at: now + faultDelay())
        case .restart(let id):
            restart(id)
        case .partition:
            guard !healing else { return }
            makePartition()
            queue.push(.heal, at: now + options.tickMicros * UInt64(options.electionTicks) * (2 + random(below: 10)))
        case .heal:
            guard !healing else { return }
            network.heal()
            cutLinksIntoCutOff()
            queue.push(.partition, at: now + faultDelay())
        case .membershipChange:
            guard !healing else { return }
            changeMembership()
            queue.push(.membershipChange, at: now + faultDelay())
        case .promoteCutOff:
            guard !healing else { return }
            // Tried again each tick: an on-demand cluster has a leader only now and then.
            if !promoteCutOff() { queue.push(.promoteCutOff, at: now + options.tickMicros) }
        case .crashAfterPromotion(let learner, let index, let term, let attemptsLeft):
            crashAfterPromotion(learner, index: index, term: term, attemptsLeft: attemptsLeft)
        case .crashLeader:
            guard !healing else { return }
            if let leader = ids.first(where: { nodes[$0]?.raft?.role == .leader }) {
                crash(leader)
                // From the crash until a new leader: what an operator sees as failover.
                electionStartedAt = now
                queue.push(.restart(leader), at: now + options.tickMicros * UInt64(options.electionTicks))
            }
            queue.push(.crashLeader, at: now + options.crashLeaderEveryMicros)
        }
    }

    mutating func startHealing() {
        healing = true
        network.heal()
        cutOff = nil
        for id in ids {
            nodes[id]!.disk.randomFailureRate = 0
            nodes[id]!.disk.crashCountdown = nil
        }
        for id in ids where nodes[id]?.raft == nil { restart(id) }
        let tag = nextTag
        nextTag += 1
        finalTag = tag
        proposedAt[tag] = now
        submitWithDeadline(proposal(tag: tag))
    }

    /// A client sends a proposal and, like a gateway with a deadline, sends it again if it
    /// has not committed in time: an appended entry can still be lost with its leader.
    mutating func submitWithDeadline(_ proposal: Proposal) {
        submit(to: nil, proposal)
        queue.push(.clientTimeout(proposal), at: now + 6 * options.tickMicros * UInt64(options.electionTicks))
    }

    mutating func submit(to target: NodeID?, _ proposal: Proposal) {
        let live = ids.filter { nodes[$0]?.raft != nil }
        guard let id = target.flatMap({ nodes[$0]?.raft != nil ? $0 : nil }) ?? pick(live) else {
            retryLater(proposal)
            return
        }
        let outcome = nodes[id]!.raft!.propose(proposal)
        switch outcome {
        case .appended, .held:
            break
        case .forward(let leader):
            queue.push(.submit(leader, proposal), at: now + linkDelay())
        case .dropped:
            retryLater(proposal)
        }
        afterInput(id)
    }

    mutating func retryLater(_ proposal: Proposal) {
        // Clients retry until the final check: a proposal held by a node that crashed is
        // lost to Raft, but the client sends it again.
        queue.push(.submit(nil, proposal), at: now + options.tickMicros * UInt64(options.electionTicks))
    }

    func proposal(tag: UInt64) -> Proposal {
        var payload = (0..<8).map { UInt8(truncatingIfNeeded: tag >> ($0 * 8)) }
        payload += [UInt8](repeating: UInt8(truncatingIfNeeded: tag), count: max(options.payloadBytes - 8, 0))
        return Proposal(tag: tag, kind: .decision, payload: payload)
    }

    static func tag(of entry: Entry) -> UInt64? {
        guard entry.kind == .decision, entry.payload.count >= 8 else { return nil }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(entry.payload[$1]) << UInt64($1 * 8) }
    }

    // MARK: - Faults

    /// The node stops. With `powerLoss` the disk also loses what was not durable (else
    /// only the process died, and the page cache survives).
    mutating func crash(_ id: NodeID, powerLoss: Bool = true) {
        guard nodes[id]?.raft != nil else { return }
        nodes[id]!.raft = nil
        nodes[id]!.storage = nil
        if powerLoss || nodes[id]!.disk.isCrashed { nodes[id]!.disk.crash() }
        report.crashes += 1
    }

    /// Arms a crash somewhere in the next few storage calls of `id`.
    mutating func maybeArmStorageCrash(_ id: NodeID) {
        guard options.tornWrites, !healing, nodes[id]!.disk.crashCountdown == nil, random(below: 150) == 0 else { return }
        nodes[id]!.disk.crashCountdown = Int(random(below: 8))
    }

    /// A storage call failed. A crash in it: the node is down until its restart. A write
    /// or fsync error: the node stops voting and leading (`storageFailed()`), and its
    /// operator restarts it a little later.
    mutating func storageFailed(_ id: NodeID, _ error: StorageError) {
        if nodes[id]!.disk.isCrashed {
            report.tornWrites += 1
        } else {
            report.storageFailures += 1
            nodes[id]!.raft?.storageFailed()
        }
        crash(id, powerLoss: nodes[id]!.disk.isCrashed)
        queue.push(.restart(id), at: now + options.tickMicros * UInt64(options.electionTicks) * (1 + random(below: 3)))
    }

    mutating func restart(_ id: NodeID) {
        guard var node = nodes[id], node.raft == nil, id != downForGood else { return }
        // Recovery from disk; nothing in memory survived. A crash may strike recovery too.
        if options.tornWrites && !healing && random(below: 20) == 0 { node.disk.crashCountdown = Int(random(below: 6)) }
        let storage: NodeStorage
        let recovered: NodeStorage.Recovered
        do {
            (storage, recovered) = try NodeStorage.open(
                directory: Self.dataDirectory, options: Self.storageOptions, fileSystem: node.disk)
        } catch {
            if case .io = error {
                // A crash, or a write or fsync that failed: try again later. (What our own
                // crashes and faults leave must always be recoverable: anything else is a
                // violation.)
                if node.disk.isCrashed {
                    node.disk.crash()
                    report.tornWrites += 1
                } else {
                    report.storageFailures += 1
                }
                nodes[id] = node
                queue.push(.restart(id), at: now + options.tickMicros * UInt64(options.electionTicks))
            } else {
                violation("node \(id) cannot recover its storage: \(error)")
            }
            return
        }
        node.disk.crashCountdown = nil
        let acked = node.durableHardState
        if recovered.hardState.term < acked.term
            || recovered.hardState.term == acked.term && acked.vote != nil && recovered.hardState.vote != acked.vote {
            violation("node \(id) recovered \(recovered.hardState) after \(acked) was stored")
        }
        node.storage = storage
        // The state machine is loaded from the snapshot, if any.
        node.raft = RaftNode(config: config(for: id), hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries)
        node.durableHardState = recovered.hardState
        let (index, hash) = recovered.snapshot.flatMap { Self.decodeState($0.data) } ?? (0, 0)
        node.appliedIndex = index
        node.stateHash = hash
        // The commit index is not durable: it may restart lower. The term is.
        node.lastCommit = 0
        nodes[id] = node
    }

    mutating func makePartition() {
        network.heal()
        if random(below: 2) == 0 {
            // Two sides.
            let side = Set(ids.filter { _ in random(below: 2) == 0 })
            network.partition(side, Set(ids).subtracting(side))
        } else if let a = pick(ids), let b = pick(ids.filter { $0 != a }) {
            // One link, one way.
            network.cutOneWay(from: a, to: b)
        }
        cutLinksIntoCutOff()
    }

    // MARK: - After every input

    mutating func afterInput(_ id: NodeID) {
        guard var raft = nodes[id]?.raft else { return }
        let wasLeaderTerm = leaderOfTerm.first { $0.value == id && $0.key == raft.term }?.key
        let ready = raft.takeReady()
        nodes[id]!.raft = raft

        // Persist first: only then may the node send what it decided.
        maybeArmStorageCrash(id)
        do {
            try nodes[id]!.storage?.persist(ready)
        } catch {
            storageFailed(id, error)
            return
        }
        if let hardState = ready.hardState { nodes[id]!.durableHardState = hardState }
        if let snapshot = ready.snapshotToInstall { installSnapshot(id, snapshot) }
        if !ready.entriesToPersist.isEmpty { checkLogMatching(id) }
        for envelope in ready.messages { send(envelope) }
        for entry in ready.committedEntries { apply(id, entry) }
        maybeCompact(id)
        for forward in ready.forwards {
            for proposal in forward.proposals {
                queue.push(.submit(forward.leader, proposal), at: now + linkDelay())
            }
        }
        for proposal in ready.droppedProposals { retryLater(proposal) }
        checkNode(id, wasLeader: wasLeaderTerm != nil)
    }

    mutating func send(_ envelope: Envelope) {
        report.messagesSent += 1
        let size = encodedSize(envelope.message)
        report.bytesSent += size
        for arrival in network.transmit(from: envelope.from, to: envelope.to, bytes: size, at: now, using: &rng) {
            queue.push(.deliver(envelope), at: arrival)
        }
    }

    /// Bytes of the message as a sealed datagram: its frame, plus header and tag.
    mutating func encodedSize(_ message: RaftMessage) -> Int {
        encodeBuffer.removeAll(keepingCapacity: true)
        message.wire.encodeFrame(into: &encodeBuffer)
        return encodeBuffer.count + DatagramHeader.size + DatagramHeader.tagSize
    }

    // MARK: - Snapshots and membership

    static func encodeState(index: UInt64, hash: UInt32) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: index >> ($0 * 8)) } + (0..<4).map { UInt8(truncatingIfNeeded: hash >> ($0 * 8)) }
    }

    static func decodeState(_ data: [UInt8]) -> (UInt64, UInt32)? {
        guard data.count == 12 else { return nil }
        let index = (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[$1]) << UInt64($1 * 8) }
        let hash = (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[8 + $1]) << UInt32($1 * 8) }
        return (index, hash)
    }

    /// The shell's side of compaction: snapshot the state machine, store it, drop entries.
    mutating func maybeCompact(_ id: NodeID) {
        guard var raft = nodes[id]?.raft, options.compactAfterEntries > 0, raft.compactionDue else { return }
        let index = nodes[id]!.appliedIndex
        guard let snapshot = raft.compact(through: index, data: Self.encodeState(index: index, hash: nodes[id]!.stateHash)) else { return }
        nodes[id]!.raft = raft
        maybeArmStorageCrash(id)
        do {
            try nodes[id]!.storage?.saveSnapshot(snapshot)
        } catch {
            storageFailed(id, error)
            return
        }
        report.snapshotsTaken += 1
    }

    /// The shell's side of a received snapshot: store it, load it as the state machine.
    mutating func installSnapshot(_ id: NodeID, _ snapshot: Snapshot) {
        report.snapshotsInstalled += 1
        guard let (index, hash) = Self.decodeState(snapshot.data), index == snapshot.position.index else {
            violation("node \(id) received a snapshot whose data does not match its position")
            return
        }
        if let known = stateHashAt[index], known != hash {
            violation("node \(id) installed a snapshot at \(index) whose state differs from the cluster's")
        }
        nodes[id]!.appliedIndex = index
        nodes[id]!.stateHash = hash
    }

    /// The leader adds or removes one member: learners first, then voters; never fewer
    /// than three voters.
    mutating func changeMembership() {
        let leaders = ids.filter { nodes[$0]?.raft?.role == .leader }
        guard let leader = leaders.max(by: { nodes[$0]!.raft!.term < nodes[$1]!.raft!.term }),
              let membership = nodes[leader]?.raft?.membership else { return }
        let outsiders = ids.filter { !membership.contains($0) }
        let change: MembershipChange
        if let learner = pick(membership.learners), random(below: 2) == 0 {
            change = .addVoter(learner)
        } else if let outsider = pick(outsiders), random(below: 2) == 0 {
            change = .addLearner(outsider)
        } else if membership.voters.count > 3, let victim = pick(membership.voters) {
            change = .remove(victim)
        } else {
            return
        }
        if case .appended = nodes[leader]!.raft!.changeMembership(change) {
            report.membershipChanges += 1
        }
        afterInput(leader)
    }

    /// The late-promotion fault, first half: cuts every link into a learner and has the
    /// leader promote it, so the promotion can commit without it. False if it cannot yet.
    mutating func promoteCutOff() -> Bool {
        let leaders = ids.filter { nodes[$0]?.raft?.role == .leader }
        guard let leader = leaders.max(by: { nodes[$0]!.raft!.term < nodes[$1]!.raft!.term }),
              let membership = nodes[leader]?.raft?.membership,
              let learner = pick(membership.learners) else { return false }
        cutOff = learner
        cutLinksIntoCutOff()
        guard case .appended(let index, let term) = nodes[leader]!.raft!.changeMembership(.addVoter(learner)) else {
            reconnectCutOff()
            return false
        }
        report.membershipChanges += 1
        afterInput(leader)
        queue.push(.crashAfterPromotion(learner, index: index, term: term, attemptsLeft: 10), at: now + electionTimeout * 3)
        return true
    }

    /// Second half: once the promotion has committed (applied somewhere), a voter other
    /// than the learner — the leader if there is one — goes down for good and the
    /// learner's links heal. The survivors need the learner's vote before it has heard of
    /// its promotion. A promotion that never commits is given up.
    mutating func crashAfterPromotion(_ learner: NodeID, index: UInt64, term: UInt64, attemptsLeft: Int) {
        guard !healing else { return }
        let promotion = committed[index].map { $0.entry.kind == .membership && $0.entry.term == term } ?? false
        guard promotion else {
            if attemptsLeft > 0 {
                queue.push(.crashAfterPromotion(learner, index: index, term: term, attemptsLeft: attemptsLeft - 1), at: now + electionTimeout)
            } else {
                reconnectCutOff()
            }
            return
        }
        let live = ids.filter { $0 != learner && nodes[$0]?.raft != nil }
        let voters = live.filter { id in nodes[id]!.raft!.membership.isVoter(id) }
        guard let victim = voters.first(where: { nodes[$0]!.raft!.role == .leader }) ?? pick(voters) else {
            reconnectCutOff()
            return
        }
        crash(victim, powerLoss: random(below: 2) == 0)
        downForGood = victim
        report.latePromotions += 1
        reconnectCutOff()
    }

    var electionTimeout: UInt64 { options.tickMicros * UInt64(options.electionTicks) }

    mutating func cutLinksIntoCutOff() {
        guard let cutOff else { return }
        for id in ids where id != cutOff { network.cutOneWay(from: id, to: cutOff) }
    }

    mutating func reconnectCutOff() {
        guard let learner = cutOff else { return }
        cutOff = nil
        for id in ids where id != learner { network.reconnect(from: id, to: learner) }
    }

    // MARK: - Invariants

    mutating func violation(_ text: String) {
        report.violations.append("t=\(now)µs: \(text)")
    }

    mutating func apply(_ id: NodeID, _ entry: Entry) {
        guard let term = nodes[id]?.raft?.term else { return }
        if entry.index != nodes[id]!.appliedIndex + 1 {
            violation("node \(id) applied index \(entry.index) after \(nodes[id]!.appliedIndex)")
        }
        nodes[id]!.appliedIndex = entry.index
        let hash = CRC32C.checksum(entry.payload + [entry.kind.rawValue], seed: nodes[id]!.stateHash)
        nodes[id]!.stateHash = hash
        if let known = stateHashAt[entry.index] {
            if known != hash { violation("node \(id) state after index \(entry.index) differs from the cluster's") }
        } else {
            stateHashAt[entry.index] = hash
        }
        if let known = committed[entry.index] {
            if known.entry != entry {
                violation("node \(id) applied \(entry) at \(entry.index) but \(known.entry) was committed there")
            }
        } else {
            committed[entry.index] = CommittedEntry(entry: entry, seenInTerm: term)
        }
        if let tag = Self.tag(of: entry), !committedTags.contains(tag) {
            committedTags.insert(tag)
            if let start = proposedAt[tag] { report.commitMicros.append(now - start) }
        }
    }

    mutating func checkNode(_ id: NodeID, wasLeader: Bool) {
        guard let raft = nodes[id]?.raft else { return }
        if raft.term < nodes[id]!.lastTerm { violation("node \(id) term went back from \(nodes[id]!.lastTerm) to \(raft.term)") }
        if raft.commitIndex < nodes[id]!.lastCommit { violation("node \(id) commit went back from \(nodes[id]!.lastCommit) to \(raft.commitIndex)") }
        nodes[id]!.lastTerm = raft.term
        nodes[id]!.lastCommit = raft.commitIndex

        let anyLeader = ids.contains { nodes[$0]?.raft?.role == .leader }
        if raft.role == .leader {
            if let other = leaderOfTerm[raft.term], other != id {
                violation("two leaders in term \(raft.term): \(other) and \(id)")
            }
            if !wasLeader {
                leaderOfTerm[raft.term] = id
                if let start = electionStartedAt {
                    report.electionMicros.append(now - start)
                    electionStartedAt = nil
                }
                checkLeaderCompleteness(id)
            }
        } else if !anyLeader && electionStartedAt == nil && (raft.role == .candidate || raft.role == .preCandidate) {
            electionStartedAt = now
        }
    }

    /// Every entry committed before this leader's term is in its log (or its snapshot,
    /// which the state checksum covers).
    mutating func checkLeaderCompleteness(_ id: NodeID) {
        guard let raft = nodes[id]?.raft else { return }
        let log = raft.entries
        let base = raft.snapshotPosition.index
        for (index, known) in committed where known.seenInTerm < raft.term && index > base {
            let offset = Int(index - base - 1)
            guard offset < log.count, log[offset] == known.entry else {
                violation("leader \(id) of term \(raft.term) lacks committed entry \(index)")
                return
            }
        }
    }

    /// Two logs that hold an entry with the same index and term are identical up to it
    /// (compared where both still hold entries).
    mutating func checkLogMatching(_ id: NodeID) {
        guard let me = nodes[id]?.raft else { return }
        let mine = me.entries
        for other in ids where other != id {
            guard let them = nodes[other]?.raft else { continue }
            let theirs = them.entries
            let low = max(me.snapshotPosition.index, them.snapshotPosition.index) + 1
            var high = min(me.lastIndex, them.lastIndex)
            guard high >= low else { continue }
            func entry(_ log: [Entry], _ base: UInt64, _ index: UInt64) -> Entry { log[Int(index - base - 1)] }
            while high >= low && entry(mine, me.snapshotPosition.index, high).term != entry(theirs, them.snapshotPosition.index, high).term {
                high -= 1
            }
            guard high >= low else { continue }
            for index in low...high where entry(mine, me.snapshotPosition.index, index) != entry(theirs, them.snapshotPosition.index, index) {
                violation("logs of \(id) and \(other) share index \(high) term \(entry(mine, me.snapshotPosition.index, high).term) but differ at \(index)")
                return
            }
        }
    }

    // MARK: - Randomness

    mutating func random(below bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : rng.next() % bound
    }

    mutating func pick(_ candidates: [NodeID]) -> NodeID? {
        candidates.isEmpty ? nil : candidates[Int(random(below: UInt64(candidates.count)))]
    }

    mutating func linkDelay() -> UInt64 {
        // Uniform in delay ± jitter; jitter also reorders messages.
        let p = options.profile
        let spread = random(below: 2 * p.jitterMicros + 1)
        let delay = p.delayMicros + spread
        return max(1, delay >= p.jitterMicros ? delay - p.jitterMicros : 0)
    }

    mutating func nextRequestDelay() -> UInt64 {
        // Exponential inter-arrival times: a Poisson stream of requests.
        let u = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12)
        return UInt64(-log(u) / max(options.proposalsPerSecond, 0.001) * 1_000_000)
    }

    mutating func faultDelay() -> UInt64 {
        options.tickMicros * UInt64(options.electionTicks) * (3 + random(below: 12))
    }
}
