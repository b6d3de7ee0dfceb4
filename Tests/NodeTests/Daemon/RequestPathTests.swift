import ClientAPI
import Node
import Testing
import Wire

/// The whole request path through real `NodeCore`s (Raft, placement, verification, the
/// service set, transfer and outcome), in memory with simulated time.
@Suite struct RequestPathTests {
    static let idle = InjectedLoad(cpuBusyPermille: 50, memoryUsedMiB: 500)
    static let busy = InjectedLoad(cpuBusyPermille: 800, memoryUsedMiB: 500)

    func request(_ id: UInt64, _ name: String) -> DeployRequest {
        DeployRequest(requestID: id, service: name, image: "demo", command: ["sleep", "60"], cpuMillicores: 100, memoryMiB: 64)
    }

    @Test(arguments: [NodeConfig.Mode.stable, .onDemand(idleMillis: 0), .onDemand(idleMillis: 2_000)])
    func aDeployGoesToTheLeastLoadedNodeAndIsAnsweredOnceRunning(mode: NodeConfig.Mode) throws {
        let cluster = CoreCluster(size: 5, mode: mode, loads: [1: Self.busy, 2: Self.busy, 3: Self.idle, 4: Self.busy, 5: Self.busy])
        if case .stable = mode { cluster.run(forMicros: 2_000_000) { cluster.leader != nil } }
        let ticket = cluster.submit(at: 1, request(11, "web"))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[ticket] != nil })
        let view = try #require(try cluster.replies[ticket]?.get())
        #expect(view.node == 3)
        #expect(view.status == "running")
        #expect(cluster.starts.map(\.0) == [3])
        let phases = try #require(view.phases)
        #expect(phases.RequestElab == 7)
        #expect(phases.WriteLog == 3)
        if case .onDemand = mode {
            // The election was part of this request: its network time is ≈ one round trip.
            #expect(phases.ElectionNetworkMean >= 500 && phases.ElectionNetworkMean <= 3_000)
        } else {
            #expect(phases.ElectionNetworkMean == 0)
        }
        #expect(phases.VoteConsNetMean >= 500, "\(phases) \(cluster.logs)")
        // Every node applies the same record once the commit reaches it.
        cluster.run(forMicros: 3_000_000)
        for core in cluster.cores.values where core.services.appliedIndex > 0 {
            #expect(core.services.services["web"]?.node == 3)
        }
    }

    @Test(arguments: [NodeConfig.Mode.stable, .onDemand(idleMillis: 0)])
    func threeGatewaysAtOnceDecideEveryRequestOnceAndStartItOnce(mode: NodeConfig.Mode) throws {
        let cluster = CoreCluster(size: 6, mode: mode, loads: [:])
        if case .stable = mode { cluster.run(forMicros: 2_000_000) { cluster.leader != nil } }
        var tickets: [ClientTicket] = []
        for (offset, gateway) in [NodeID(1), 2, 3, 1, 2, 3].enumerated() {
            tickets.append(cluster.submit(at: gateway, request(UInt64(100 + offset), "svc-\(offset)")))
        }
        #expect(cluster.run(forMicros: 20_000_000) { tickets.allSatisfy { cluster.replies[$0] != nil } })
        for ticket in tickets {
            let view = try #require(try cluster.replies[ticket]?.get())
            #expect(view.status == "running")
        }
        let starts = cluster.starts
        #expect(starts.count == 6)
        #expect(Set(starts.map(\.1)).count == 6)
        // A burst spreads: six equal nodes, six services, no node gets two.
        #expect(Set(starts.map(\.0)).count == 6)
        cluster.run(forMicros: 3_000_000)
        let sets = cluster.cores.values.map { $0.services.services }
        #expect(sets.allSatisfy { $0 == sets[0] })
    }

    @Test func aRetriedRequestGetsTheSameDecisionAndStartsNothingTwice() throws {
        let cluster = CoreCluster(size: 3, mode: .stable)
        cluster.run(forMicros: 2_000_000) { cluster.leader != nil }
        let first = cluster.submit(at: 1, request(5, "web"))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[first] != nil })
        let again = cluster.submit(at: 2, request(5, "web"))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[again] != nil })
        let a = try #require(try cluster.replies[first]?.get())
        let b = try #require(try cluster.replies[again]?.get())
        #expect(a.node == b.node && a.decisionIndex == b.decisionIndex)
        #expect(cluster.starts.count == 1)
    }

    /// On-demand with a short idle period too: a new leader waits for reports before it may
    /// say that nothing fits, and it must not retire meanwhile (it did, and every election
    /// started the wait again: the client got a timeout after thousands of terms).
    @Test(arguments: [NodeConfig.Mode.stable, .onDemand(idleMillis: 0), .onDemand(idleMillis: 500)])
    func whenNoNodeFitsTheClientIsToldAndNothingIsCommitted(mode: NodeConfig.Mode) throws {
        let cluster = CoreCluster(size: 3, mode: mode)
        if mode == .stable { cluster.run(forMicros: 2_000_000) { cluster.leader != nil } }
        var huge = request(9, "big")
        huge.memoryMiB = 1 << 30
        let ticket = cluster.submit(at: 1, huge)
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[ticket] != nil })
        guard case .failure(.noNodeFits(let text)) = cluster.replies[ticket] else {
            Issue.record("expected noNodeFits, got \(String(describing: cluster.replies[ticket]))")
            return
        }
        #expect(text.contains("no node fits"))
        #expect(cluster.cores.values.allSatisfy { $0.raft.entries.allSatisfy { $0.kind != .decision } })
    }

    @Test func aLyingLeadersChoiceIsRefusedEverywhereAndTheRequestCompletesHonestly() throws {
        // Every node lies when it leads, so whoever wins lies once per request.
        let loads: [NodeID: InjectedLoad] = [1: Self.busy, 2: Self.idle, 3: Self.busy]
        let cluster = CoreCluster(size: 3, mode: .stable, loads: loads, lie: [1, 2, 3])
        cluster.run(forMicros: 2_000_000) { cluster.leader != nil }
        let ticket = cluster.submit(at: 1, request(21, "web"))
        #expect(cluster.run(forMicros: 10_000_000) { cluster.replies[ticket] != nil })
        let view = try #require(try cluster.replies[ticket]?.get())
        #expect(view.node == 2)
        // The lie never ran anywhere; the honest choice ran once.
        #expect(cluster.starts.map(\.0) == [2])
        cluster.run(forMicros: 2_000_000)
        for core in cluster.cores.values {
            let decisions = core.raft.entries.filter { $0.kind == .decision }
            #expect(decisions.count == 2)
            let refused = try DecisionEntry.decode(decisions[0].payload)
            #expect(refused.chosen != 2)
            #expect(core.services.services["web"]?.node == 2)
        }
    }

    @Test func aFollowerWhoseLoadIsMisquotedWithholdsItsAcknowledgement() throws {
        let cluster = CoreCluster(size: 3, mode: .stable)
        cluster.run(forMicros: 2_000_000) { cluster.leader != nil }
        let leader = try #require(cluster.leader)
        let follower = try #require(cluster.cores.keys.sorted().first { $0 != leader })
        var report = WorkloadReport(cpuBusyPermille: 1, memoryUsedMiB: 1, loadPermille: 1, freeCPUMillicores: 4_000, freeMemoryMiB: 4_000, sampleAgeMillis: 0)
        report.sampleAgeMillis = 0
        let forged = DecisionEntry(
            request: request(1, "x"), chosen: follower, leader: leader, term: cluster.cores[leader]!.raft.term, timestampMicros: 0,
            loads: [NodeLoad(node: follower, report: report)], pending: [])
        let core = cluster.cores[follower]!
        let append = AppendEntries(
            term: core.raft.term, prevLogIndex: core.raft.lastIndex, prevLogTerm: core.raft.lastTerm, leaderCommit: core.raft.commitIndex,
            entries: [LogEntry(term: core.raft.term, kind: .decision, payload: forged.encoded())])
        let before = core.raft.lastIndex
        let effects = cluster.cores[follower]!.receive(from: leader, .appendEntries(append), now: cluster.now)
        #expect(cluster.cores[follower]!.raft.lastIndex == before)
        #expect(cluster.cores[follower]!.misquoteAlarms == 1)
        #expect(effects.contains { if case .log(.error, let text) = $0 { return text.contains("ALARM") } else { return false } })
        // Once the leader says the entry is committed (a majority holds it), withholding
        // stops nothing and would stall this node for good: it takes the entry.
        var committed = append
        committed.leaderCommit = before + 1
        _ = cluster.cores[follower]!.receive(from: leader, .appendEntries(committed), now: cluster.now)
        #expect(cluster.cores[follower]!.raft.lastIndex == before + 1)
        #expect(cluster.cores[follower]!.misquoteAlarms == 1)
    }
}

extension RequestPathTests {
    @Test(arguments: [NodeConfig.Mode.stable, .onDemand(idleMillis: 0)])
    func anUndeployFromAnotherGatewayStopsTheServiceAndFreesItsName(mode: NodeConfig.Mode) throws {
        let cluster = CoreCluster(size: 3, mode: mode)
        if case .stable = mode { cluster.run(forMicros: 2_000_000) { cluster.leader != nil } }
        let deploy = cluster.submit(at: 1, request(31, "web"))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[deploy] != nil })
        let placed = try #require(try cluster.replies[deploy]?.get())
        let undeploy = cluster.submitUndeploy(at: 2, "web")
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[undeploy] != nil })
        let removed = try #require(try cluster.replies[undeploy]?.get())
        #expect(removed.status == "removed")
        cluster.run(forMicros: 2_000_000)
        #expect(cluster.engines[placed.node]!.actions.contains(.stop(service: "web")))
        for core in cluster.cores.values { #expect(core.services.services["web"]?.status == .removed) }
        // The name is free again: a new request may take it.
        let again = cluster.submit(at: 3, request(32, "web"))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.replies[again] != nil })
        #expect(try cluster.replies[again]?.get().status == "running")
        // Undeploying what is not there is a 404.
        let missing = cluster.submitUndeploy(at: 1, "nothing")
        guard case .failure(.notFound) = cluster.replies[missing] else {
            Issue.record("expected notFound, got \(String(describing: cluster.replies[missing]))")
            return
        }
    }
}

extension RequestPathTests {
    @Test func aDecisionForANodeThatIsNotAMemberIsRefused() {
        var services = ServiceSet(me: 1, policy: PlacementPolicy(), members: [1, 2, 3])
        let idle = WorkloadReport(cpuBusyPermille: 0, memoryUsedMiB: 0, loadPermille: 0, freeCPUMillicores: 4_000, freeMemoryMiB: 4_000, sampleAgeMillis: 0)
        let busy = WorkloadReport(cpuBusyPermille: 900, memoryUsedMiB: 0, loadPermille: 900, freeCPUMillicores: 4_000, freeMemoryMiB: 4_000, sampleAgeMillis: 0)
        // An honest choice among the quoted loads, but node 99 was invented.
        let entry = DecisionEntry(
            request: request(1, "web"), chosen: 99, leader: 1, term: 1, timestampMicros: 0,
            loads: [NodeLoad(node: 1, report: busy), NodeLoad(node: 99, report: idle)], pending: [])
        let effects = services.apply(index: 1, entry: LogEntry(term: 1, kind: .decision, payload: entry.encoded()))
        #expect(effects.contains { if case .redecide(_, let reason) = $0 { return reason.contains("not a member") } else { return false } })
        #expect(services.services["web"]?.status.isActive == false)
    }
}

extension RequestPathTests {
    @Test func aChosenNodeThatNeverAcknowledgesIsFailedInTheLogAndTheRequestGoesElsewhere() throws {
        let loads: [NodeID: InjectedLoad] = [1: Self.busy, 2: Self.busy, 3: Self.busy, 4: Self.busy, 5: Self.idle]
        let cluster = CoreCluster(size: 5, mode: .stable, loads: loads)
        cluster.run(forMicros: 2_000_000) { cluster.leader != nil && cluster.cores[cluster.leader!]!.candidates(now: cluster.now).count == 5 }
        let leader = try #require(cluster.leader)
        try #require(leader != 5)
        // Node 5 goes silent right after its last report: it is still the least loaded.
        cluster.isolated = [5]
        let gateway: NodeID = leader == 1 ? 2 : 1
        let ticket = cluster.submit(at: gateway, request(61, "web"))
        #expect(cluster.run(forMicros: 15_000_000) { cluster.replies[ticket] != nil })
        let view = try #require(try cluster.replies[ticket]?.get())
        #expect(view.node != 5)
        #expect(view.status == "running")
        let decisions = cluster.cores[leader]!.raft.entries.filter { $0.kind == .decision }
        #expect(try decisions.map { try DecisionEntry.decode($0.payload).chosen }.first == 5)
        let failed = try cluster.cores[leader]!.raft.entries.filter { $0.kind == .outcome }.map { try OutcomeEntry.decode($0.payload) }
        #expect(failed.contains { if case .failed(let reason) = $0.status { return $0.node == 5 && reason.contains("did not acknowledge") } else { return false } })
        #expect(cluster.starts.map(\.0) == [view.node])
    }
}

extension RequestPathTests {
    @Test func aGatewayThatLeadsAgainAfterGivingItsRequestBackDecidesIt() throws {
        // Node 1 is gateway and leader; it loses leadership while its own request is in
        // flight (cut off), then wins again: the request must still be decided.
        let cluster = CoreCluster(size: 3, mode: .stable)
        cluster.run(forMicros: 3_000_000) { cluster.leader != nil }
        let leader = try #require(cluster.leader)
        cluster.isolated = Set(cluster.cores.keys.filter { $0 != leader })
        let ticket = cluster.submit(at: leader, request(71, "web"))
        // Cut off, the leader steps down (check-quorum) and gives the request back.
        cluster.run(forMicros: 1_000_000) { cluster.cores[leader]!.raft.role != .leader }
        #expect(cluster.cores[leader]!.raft.role != .leader)
        cluster.isolated = []
        #expect(cluster.run(forMicros: 9_000_000) { cluster.replies[ticket] != nil })
        #expect(try cluster.replies[ticket]?.get().status == "running")
    }
}
