import ClientAPI
import Node
import Raft
import Transport
import Wire

/// Several `NodeCore`s wired together in memory: messages go through the real codec, each
/// node has a dry-run engine, time is simulated. No sockets, no disk (every Ready counts as
/// persisted at once), so whole request paths run in milliseconds and deterministically.
final class CoreCluster {
    var cores: [NodeID: NodeCore] = [:]
    var engines: [NodeID: DryRunEngine] = [:]
    var replies: [ClientTicket: Result<ServiceView, GatewayError>] = [:]
    var logs: [NodeID: [String]] = [:]
    var phases: [UInt64: PhaseTable] = [:]
    /// Messages in flight: delivered after `latencyMicros`.
    private var inFlight: [(at: UInt64, from: NodeID, to: NodeID, message: Message)] = []
    var now: UInt64 = 1_000_000
    let latencyMicros: UInt64 = 500
    private var nextTicket: ClientTicket = 1
    /// Nodes whose messages are dropped (both ways).
    var isolated: Set<NodeID> = []
    /// Each node's Transport roster as its `.roster` effects left it (Transport refuses
    /// datagrams from a node outside it, as `TransportEndpoint.revoke` makes it do).
    var rosters: [NodeID: Set<NodeID>] = [:]
    var rosterChanges: [NodeID: [RosterChange]] = [:]
    var memberReplies: [ClientTicket: Result<MemberView, GatewayError>] = [:]
    /// Messages the receiver's roster refused, as (from, to).
    var refused: [(NodeID, NodeID)] = []
    private let mode: NodeConfig.Mode
    private let seed: UInt64

    init(size: Int, mode: NodeConfig.Mode, loads: [NodeID: InjectedLoad] = [:], lie: Set<NodeID> = [], seed: UInt64 = 1) {
        self.mode = mode
        self.seed = seed
        let ids = (1...size).map { NodeID($0) }
        for id in ids {
            addCore(id, voters: ids, load: loads[id], lie: lie.contains(id))
        }
    }

    static func address(_ id: NodeID) -> RosterEntry {
        // swiftlint:disable:next force_try
        try! RosterEntry(address: "127.0.0.1:\(7000 + Int(id))", publicKey: nil)
    }

    /// A node with `voters` as the cluster's initial members (without itself: a joining node).
    func addCore(_ id: NodeID, voters ids: [NodeID], load: InjectedLoad? = nil, lie: Bool = false) {
        var config = RaftConfig(id: id, voters: ids)
        config.seed = seed
        switch mode {
        case .stable: config.mode = .stable
        case .onDemand(let idle): config.mode = .onDemand(idleTicks: Int(idle / 10))
        }
        let load = load ?? InjectedLoad(cpuBusyPermille: 500, memoryUsedMiB: 1_000)
        var settings = NodeCore.Settings(me: id, mode: mode, tickMicros: 10_000, policy: PlacementPolicy())
        settings.liePlacement = lie
        settings.ownAddress = Self.address(id).address
        let roster = Dictionary(uniqueKeysWithValues: ids.filter { $0 != id }.map { ($0, Self.address($0)) })
        var core = NodeCore(
            settings: settings, raft: RaftNode(config: config), sampler: WorkloadSampler(source: .injected(load), periodMillis: 100, metric: .cpu),
            roster: roster)
        let clock = ClockBox()
        core.clock = { clock.value }
        cores[id] = core
        engines[id] = DryRunEngine()
        rosters[id] = Set(roster.keys)
    }

    func submitMemberChange(at gateway: NodeID, _ change: MemberChange) -> ClientTicket {
        let ticket = nextTicket
        nextTicket += 1
        perform(gateway, cores[gateway]!.submitMemberChange(ticket, change, now: now))
        return ticket
    }

    final class ClockBox: @unchecked Sendable { var value: UInt64 = 0 }

    func submit(at gateway: NodeID, _ request: DeployRequest) -> ClientTicket {
        let ticket = nextTicket
        nextTicket += 1
        perform(gateway, cores[gateway]!.submit(ticket, request, elabMicros: 7, now: now))
        return ticket
    }

    func submitUndeploy(at gateway: NodeID, _ service: String) -> ClientTicket {
        let ticket = nextTicket
        nextTicket += 1
        perform(gateway, cores[gateway]!.submitUndeploy(ticket, service: service, now: now))
        return ticket
    }

    /// Runs until `done` holds or `limitMicros` of simulated time pass.
    @discardableResult
    func run(forMicros limitMicros: UInt64, until done: () -> Bool = { false }) -> Bool {
        let end = now + limitMicros
        while now < end {
            if done() { return true }
            step()
        }
        return done()
    }

    func step() {
        now += 1_000
        let due = inFlight.filter { $0.at <= now }
        inFlight.removeAll { $0.at <= now }
        for delivery in due {
            guard !isolated.contains(delivery.from), !isolated.contains(delivery.to) else { continue }
            guard rosters[delivery.to]?.contains(delivery.from) == true else {
                refused.append((delivery.from, delivery.to))
                continue
            }
            let effects = cores[delivery.to]!.receive(from: delivery.from, delivery.message, now: now)
            perform(delivery.to, effects)
        }
        for id in cores.keys.sorted() {
            try? cores[id]!.sampler.sampleIfDue(nowMillis: now / 1000)
            perform(id, cores[id]!.advance(now: now))
        }
    }

    private func perform(_ id: NodeID, _ effects: [NodeEffect]) {
        var pending = effects
        while true {
            while let ready = cores[id]!.takeReady() {
                pending += cores[id]!.readyPersisted(ready, persistMicros: 3, now: now)
            }
            guard !pending.isEmpty else { return }
            let batch = pending
            pending = []
            for effect in batch {
                switch effect {
                case .send(let to, let outgoing):
                    // Through the real codec: what cannot be encoded and decoded fails here.
                    let bytes = Payload.encode([outgoing.message])
                    let decoded = try! Payload.decodeSingle(bytes)
                    inFlight.append((now + latencyMicros, id, to, decoded))
                case .start(let spec):
                    let engine = engines[id]!
                    let result: Result<StartOutcome, EngineError>
                    do { result = .success(try engine.start(spec, nowMillis: now / 1000)) } catch { result = .failure(error) }
                    pending += cores[id]!.engineStarted(spec.labels, result: result, now: now)
                case .stop(let service, _):
                    engines[id]!.stop(service: service, nowMillis: now / 1000)
                case .reply(let ticket, let result):
                    replies[ticket] = result
                case .recordPhases(let requestID, _, _, _, let table):
                    phases[requestID] = table
                case .log(_, let text):
                    logs[id, default: []].append(text)
                case .roster(let change):
                    rosterChanges[id, default: []].append(change)
                    switch change {
                    case .add(let peer, _): rosters[id, default: []].insert(peer)
                    case .revoke(let peer): rosters[id, default: []].remove(peer)
                    }
                case .replyMember(let ticket, let result):
                    memberReplies[ticket] = result
                }
            }
        }
    }

    /// Every start any engine made, as (node, service).
    var starts: [(NodeID, String)] {
        engines.keys.sorted().flatMap { id in
            engines[id]!.actions.compactMap { action -> (NodeID, String)? in
                if case .start(let spec) = action { return (id, spec.labels.service) }
                return nil
            }
        }
    }

    var leader: NodeID? { cores.values.first { $0.raft.role == .leader }?.me }
}
