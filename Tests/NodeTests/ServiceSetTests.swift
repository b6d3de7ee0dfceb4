import NetworkModel
import Node
import Testing
import Wire

@Suite struct ServiceSetTests {
    static let policy = PlacementPolicy(metric: .cpu, maxReportAgeMillis: 1_000)
    static let loads = [Candidate(node: 1, report: report(cpu: 500)), Candidate(node: 2, report: report(cpu: 100)), Candidate(node: 3, report: report(cpu: 300))]

    static func request(_ id: UInt64, _ name: String = "web") -> DeployRequest {
        DeployRequest(requestID: id, service: name, image: "nginx", command: ["/bin/true"])
    }

    /// A decision entry the honest leader would write (node 2 is the least loaded).
    static func honest(_ request: DeployRequest, loads: [Candidate] = loads) -> LogEntry {
        guard case .success(let entry) = Placement.decide(request, among: loads, policy: policy, leader: 1, term: 2, timestampMicros: 0) else {
            return LogEntry(term: 2, kind: .noop)
        }
        return LogEntry(term: 2, kind: .decision, payload: entry.encoded())
    }

    static func lying(_ request: DeployRequest, chosen: NodeID) -> LogEntry {
        let entry = DecisionEntry(request: request, chosen: chosen, leader: 1, term: 2, timestampMicros: 0, loads: loads.map { NodeLoad(node: $0.node, report: $0.report) })
        return LogEntry(term: 2, kind: .decision, payload: entry.encoded())
    }

    static func outcome(_ requestID: UInt64, index: UInt64, node: NodeID, _ status: DeployStatus) -> LogEntry {
        LogEntry(term: 2, kind: .outcome, payload: OutcomeEntry(requestID: requestID, decisionIndex: index, node: node, status: status, timestampMicros: 0).encoded())
    }

    @Test func onlyTheChosenNodeStartsTheService() {
        var chosen = ServiceSet(me: 2, policy: Self.policy)
        var other = ServiceSet(me: 3, policy: Self.policy)
        let entry = Self.honest(Self.request(1))
        let effects = chosen.apply(index: 1, entry: entry)
        #expect(effects == [.ensureRunning(ServiceRecord(request: Self.request(1), decisionIndex: 1, node: 2, status: .decided))])
        #expect(other.apply(index: 1, entry: entry) == [])
        #expect(chosen.services == other.services)
        #expect(chosen.desiredHere.map(\.name) == ["web"] && other.desiredHere.isEmpty)
    }

    @Test func reApplyingAnIndexChangesNothing() {
        var set = ServiceSet(me: 2, policy: Self.policy)
        _ = set.apply(index: 1, entry: Self.honest(Self.request(1)))
        let before = set.services
        #expect(set.apply(index: 1, entry: Self.honest(Self.request(1))) == [])
        #expect(set.apply(index: 1, entry: Self.lying(Self.request(9, "other"), chosen: 1)) == [])
        #expect(set.services == before && set.appliedIndex == 1)
    }

    /// A restart rebuilds the set from the log: the same records, and after coalescing only
    /// the starts of what should still run (the engine's look-up covers the rest).
    @Test func replayingTheLogAfterARestartReachesTheSameStateAndStartsNothingExtra() {
        let log = [
            Self.honest(Self.request(1, "a")),
            Self.outcome(1, index: 1, node: 2, .running),
            Self.honest(Self.request(2, "b")),
            Self.outcome(2, index: 3, node: 2, .failed(reason: "exit 1")),
            Self.honest(Self.request(2, "b"), loads: [Candidate(node: 3, report: report(cpu: 0))]),
        ]
        var live = ServiceSet(me: 2, policy: Self.policy)
        for (offset, entry) in log.enumerated() { _ = live.apply(index: UInt64(offset + 1), entry: entry) }
        var restarted = ServiceSet(me: 2, policy: Self.policy)
        var effects: [ServiceEffect] = []
        for (offset, entry) in log.enumerated() { effects += restarted.apply(index: UInt64(offset + 1), entry: entry) }
        #expect(restarted.services == live.services)
        let starts = ServiceEffect.coalesce(effects).compactMap { effect -> String? in
            if case .ensureRunning(let record) = effect { return record.name }
            return nil
        }
        #expect(starts == ["a"])
        #expect(restarted.services["b"]?.node == 3 && restarted.services["b"]?.status == .decided)
    }

    @Test func aRefusedDecisionIsAppliedAlikeEverywhereAndRedecided() {
        let lie = Self.lying(Self.request(1), chosen: 1)
        var sets = (1...3).map { ServiceSet(me: NodeID($0), policy: Self.policy) }
        var effects: [[ServiceEffect]] = []
        for i in sets.indices { effects.append(sets[i].apply(index: 1, entry: lie)) }
        // Nothing starts anywhere, not even on the node the liar named.
        #expect(effects.allSatisfy { $0.count == 1 })
        guard case .redecide(let request, let reason) = effects[0].first else {
            Issue.record("no redecide: \(effects[0])")
            return
        }
        #expect(request == Self.request(1))
        #expect(reason.contains("recorded loads pick node 2"))
        #expect(effects[1] == effects[0] && effects[2] == effects[0])
        #expect(sets[0].services == sets[1].services && sets[1].services == sets[2].services)
        #expect(sets[0].services["web"]?.status == .refused(reason: reason))
        #expect(sets.allSatisfy { $0.desiredHere.isEmpty })
        // The honest re-decision then takes effect.
        #expect(sets[1].apply(index: 2, entry: Self.honest(Self.request(1))).count == 1)
        #expect(sets[1].services["web"]?.status == .decided && sets[1].services["web"]?.node == 2)
    }

    @Test func aRetriedRequestIsNotDecidedTwice() {
        var set = ServiceSet(me: 2, policy: Self.policy)
        _ = set.apply(index: 1, entry: Self.honest(Self.request(1)))
        #expect(set.apply(index: 2, entry: Self.honest(Self.request(1))) == [])
        #expect(set.services["web"]?.decisionIndex == 1)
        #expect(set.record(forRequest: 1)?.decisionIndex == 1)
    }

    @Test func aTakenNameIsRejectedNotRedecided() {
        var set = ServiceSet(me: 2, policy: Self.policy)
        _ = set.apply(index: 1, entry: Self.honest(Self.request(1)))
        let effects = set.apply(index: 2, entry: Self.honest(Self.request(2)))
        guard case .rejected(let request, let reason) = effects.first else {
            Issue.record("not rejected: \(effects)")
            return
        }
        #expect(request.requestID == 2 && reason.contains("already deployed by request 1"))
        #expect(set.services["web"]?.request.requestID == 1)
    }

    @Test func outcomesUpdateTheStatusAndAFailureIsRedecided() {
        var set = ServiceSet(me: 2, policy: Self.policy)
        _ = set.apply(index: 1, entry: Self.honest(Self.request(1)))
        #expect(set.apply(index: 2, entry: Self.outcome(1, index: 1, node: 2, .accepted)) == [])
        #expect(set.services["web"]?.status == .accepted)
        _ = set.apply(index: 3, entry: Self.outcome(1, index: 1, node: 2, .running))
        #expect(set.services["web"]?.status == .running)
        // A stale outcome (another decision index, or from another node) is ignored.
        _ = set.apply(index: 4, entry: Self.outcome(1, index: 9, node: 2, .failed(reason: "x")))
        _ = set.apply(index: 5, entry: Self.outcome(1, index: 1, node: 3, .failed(reason: "x")))
        #expect(set.services["web"]?.status == .running)
        let effects = set.apply(index: 6, entry: Self.outcome(1, index: 1, node: 2, .failed(reason: "oom")))
        #expect(effects == [.stop(service: "web", decisionIndex: 1), .redecide(request: Self.request(1), reason: "node 2 failed: oom")])
        #expect(set.services["web"]?.status == .failed(reason: "oom"))
        #expect(set.record(forRequest: 1) == nil)
    }

    @Test func aMalformedPayloadIsSkippedAlikeEverywhere() {
        var set = ServiceSet(me: 2, policy: Self.policy)
        let effects = set.apply(index: 1, entry: LogEntry(term: 1, kind: .decision, payload: [0xFF]))
        guard case .malformedEntry(let index, _) = effects.first else {
            Issue.record("not malformed: \(effects)")
            return
        }
        #expect(index == 1 && set.services.isEmpty && set.appliedIndex == 1)
    }

    /// Property, 300 seeded random logs of decisions (honest and lying) and outcomes: three
    /// nodes applying the same log hold the same set, no service is ever active on a node
    /// the loads did not pick, and replaying the log from the start reaches the same set.
    @Test func nodesApplyingTheSameLogAgree() {
        var random = SeededRandom(seed: 13)
        for _ in 0..<300 {
            var log: [LogEntry] = []
            for _ in 0..<Int(random.next() % 30) {
                let id = random.next() % 6
                let name = ["a", "b", "c"][Int(random.next() % 3)]
                switch random.next() % 4 {
                case 0: log.append(Self.lying(Self.request(id, name), chosen: NodeID(random.next() % 3 + 1)))
                case 1: log.append(Self.outcome(id, index: UInt64(random.next() % UInt64(log.count + 1) + 1), node: NodeID(random.next() % 3 + 1), random.chance(0.5) ? .running : .failed(reason: "r")))
                default: log.append(Self.honest(Self.request(id, name)))
                }
            }
            var sets = (1...3).map { ServiceSet(me: NodeID($0), policy: Self.policy) }
            for i in sets.indices {
                for (offset, entry) in log.enumerated() { _ = sets[i].apply(index: UInt64(offset + 1), entry: entry) }
            }
            #expect(sets[0].services == sets[1].services && sets[1].services == sets[2].services)
            #expect(sets[0].services.values.filter(\.status.isActive).allSatisfy { $0.node == 2 })
            var again = ServiceSet(me: 1, policy: Self.policy)
            for (offset, entry) in log.enumerated() { _ = again.apply(index: UInt64(offset + 1), entry: entry) }
            #expect(again.services == sets[0].services)
        }
    }
}

@Suite struct PendingBackingTests {
    static let policy = ServiceSetTests.policy

    /// The leader claims services pending on the best node (2) that the log never decided
    /// there, so that node 3 looks better: the entry is self-consistent, the log refutes it.
    @Test func inflatedPendingIsRefusedByTheLog() {
        let loads = [Candidate(node: 2, report: report(cpu: 100), pending: Reservation(cpuMillicores: 3_000, memoryMiB: 0, services: 3)), Candidate(node: 3, report: report(cpu: 300))]
        let entry = decision(chosen: 3, loads: loads, request: ServiceSetTests.request(1))
        #expect(DecisionVerifier.verify(entry, policy: Self.policy) == .accepted)
        var set = ServiceSet(me: 3, policy: Self.policy)
        let effects = set.apply(index: 1, entry: LogEntry(term: 1, kind: .decision, payload: entry.encoded()))
        guard case .redecide(_, let reason) = effects.first, effects.count == 1 else {
            Issue.record("not refused: \(effects)")
            return
        }
        #expect(reason.contains("node 2 has 3 services (3000 millicores, 0 MiB) pending but the log decided 0"))
        #expect(set.desiredHere.isEmpty)
    }

    /// An honest burst — each decision counting the ones before it as pending — is accepted
    /// entry by entry on every node.
    @Test func anHonestBurstIsBackedByTheLog() {
        let reports: [NodeID: WorkloadReport] = [1: report(cpu: 100), 2: report(cpu: 150), 3: report(cpu: 200)]
        var ledger = PendingLedger()
        var sets = (1...3).map { ServiceSet(me: NodeID($0), policy: Self.policy) }
        var starts = 0
        for request in 0..<10 {
            let candidates = reports.keys.sorted().compactMap { node in reports[node].map { Candidate(node: node, report: $0, pending: ledger.reservation(for: node)) } }
            let asked = DeployRequest(requestID: UInt64(request), service: "s\(request)", image: "i", command: ["x"], cpuMillicores: 400, memoryMiB: 128)
            guard case .success(let entry) = Placement.decide(asked, among: candidates, policy: Self.policy, leader: 1, term: 1, timestampMicros: 0) else {
                Issue.record("request \(request) not placed")
                return
            }
            ledger.record(requestID: asked.requestID, node: entry.chosen, demand: Placement.demand(of: asked), atMillis: 0)
            for i in sets.indices {
                for effect in sets[i].apply(index: UInt64(request + 1), entry: LogEntry(term: 1, kind: .decision, payload: entry.encoded())) {
                    if case .ensureRunning = effect { starts += 1 } else { Issue.record("unexpected \(effect)") }
                }
            }
        }
        #expect(starts == 10)
        #expect(Set(sets[0].services.values.map(\.node)).count == 3)
    }
}
