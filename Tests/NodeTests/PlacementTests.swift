import NetworkModel
import Node
import Testing
import Wire

func report(cpu: UInt16 = 0, memUsed: UInt32 = 0, freeCPU: UInt32 = 4_000, freeMem: UInt32 = 4_096, age: UInt32 = 100) -> WorkloadReport {
    WorkloadReport(cpuBusyPermille: cpu, memoryUsedMiB: memUsed, loadPermille: cpu, freeCPUMillicores: freeCPU, freeMemoryMiB: freeMem, sampleAgeMillis: age)
}

func demand(_ cpu: UInt32 = 0, _ mem: UInt32 = 0) -> ResourceDemand {
    ResourceDemand(cpuMillicores: cpu, memoryMiB: mem)
}

@Suite struct PlacementTests {
    let policy = PlacementPolicy(metric: .cpu, maxReportAgeMillis: 1_000)

    @Test func lowestLoadWins() {
        let candidates = [
            Candidate(node: 1, report: report(cpu: 500)),
            Candidate(node: 2, report: report(cpu: 200)),
            Candidate(node: 3, report: report(cpu: 700)),
        ]
        #expect(Placement.choose(demand(), among: candidates, policy: policy) == .success(2))
    }

    @Test func staleReportIsNeverChosenEvenWhenIdle() {
        let candidates = [
            Candidate(node: 1, report: report(cpu: 0, age: 1_001)),
            Candidate(node: 2, report: report(cpu: 900)),
        ]
        #expect(Placement.choose(demand(), among: candidates, policy: policy) == .success(2))
    }

    @Test func onlyStaleReportsFailWithTheirNodes() {
        let candidates = [Candidate(node: 4, report: report(age: 5_000)), Candidate(node: 2, report: report(age: 1_001))]
        #expect(Placement.choose(demand(), among: candidates, policy: policy) == .failure(.noFreshReport(stale: [2, 4])))
        #expect(Placement.choose(demand(), among: [], policy: policy) == .failure(.noReports))
    }

    @Test func nothingFitsIsATypedFailureNamingTheNodes() {
        let candidates = [
            Candidate(node: 1, report: report(freeCPU: 400, freeMem: 4_096)),
            Candidate(node: 2, report: report(freeCPU: 4_000, freeMem: 100)),
            Candidate(node: 3, report: report(age: 9_999)),
        ]
        let result = Placement.choose(demand(500, 200), among: candidates, policy: policy)
        #expect(result == .failure(.noNodeFits(demand: demand(500, 200), tooSmall: [1, 2], stale: [3])))
        guard case .failure(let failure) = result else { return }
        #expect(failure.description.contains("500 millicores and 200 MiB"))
        #expect(failure.description.contains("too small: 1, 2"))
    }

    /// A request that asks for CPU only is told about CPU, not about a memory it never asked for.
    @Test func theNoFitMessageNamesOnlyWhatWasAsked() {
        let candidates = [Candidate(node: 1, report: report(freeCPU: 400, freeMem: 4_096))]
        guard case .failure(let cpuOnly) = Placement.choose(demand(500), among: candidates, policy: policy) else {
            Issue.record("500 millicores fit into 400")
            return
        }
        #expect(cpuOnly.description == "no node has 500 millicores free (too small: 1)")
        guard case .failure(let memoryOnly) = Placement.choose(demand(0, 8_192), among: candidates, policy: policy) else {
            Issue.record("8 GiB fit into 4 GiB")
            return
        }
        #expect(memoryOnly.description == "no node has 8192 MiB free (too small: 1)")
    }

    @Test func theFitFilterCountsPendingServices() {
        let candidates = [
            Candidate(node: 1, report: report(cpu: 0, freeCPU: 1_000), pending: Reservation(cpuMillicores: 800, services: 1)),
            Candidate(node: 2, report: report(cpu: 900, freeCPU: 300)),
        ]
        #expect(Placement.choose(demand(300), among: candidates, policy: policy) == .success(2))
        #expect(Placement.choose(demand(301), among: candidates, policy: policy) == .failure(.noNodeFits(demand: demand(301), tooSmall: [1, 2], stale: [])))
    }

    @Test func equalLoadsGoToTheLowestNodeIDWhateverTheOrder() {
        let candidates = [Candidate(node: 9, report: report(cpu: 300)), Candidate(node: 3, report: report(cpu: 300)), Candidate(node: 5, report: report(cpu: 300))]
        #expect(Placement.choose(demand(), among: candidates, policy: policy) == .success(3))
        #expect(Placement.choose(demand(), among: candidates.reversed(), policy: policy) == .success(3))
    }

    @Test func aDuplicateNodeIsRefused() {
        let candidates = [Candidate(node: 1, report: report(cpu: 300)), Candidate(node: 1, report: report(cpu: 100))]
        #expect(Placement.choose(demand(), among: candidates, policy: policy) == .failure(.duplicateNode(1)))
    }

    @Test func theMetricDecidesWhatLoadMeans() {
        let busyCPU = Candidate(node: 1, report: report(cpu: 800, memUsed: 100, freeMem: 900))
        let busyMemory = Candidate(node: 2, report: report(cpu: 100, memUsed: 900, freeMem: 100))
        let both = [busyCPU, busyMemory]
        #expect(Placement.choose(demand(), among: both, policy: PlacementPolicy(metric: .cpu)) == .success(2))
        #expect(Placement.choose(demand(), among: both, policy: PlacementPolicy(metric: .memory)) == .success(1))
        // 70 % CPU: node 1 = 0.7·800 + 0.3·100 = 590‰, node 2 = 0.7·100 + 0.3·900 = 340‰.
        #expect(Placement.choose(demand(), among: both, policy: PlacementPolicy(metric: .weighted(cpuWeightPermille: 700))) == .success(2))
        // 20 % CPU: node 1 = 240‰, node 2 = 740‰.
        #expect(Placement.choose(demand(), among: both, policy: PlacementPolicy(metric: .weighted(cpuWeightPermille: 200))) == .success(1))
    }

    /// Ten requests decided before any node reports again spread out instead of all going to
    /// the node that was least loaded at the start.
    @Test(arguments: [demand(500, 256), demand(0, 0)])
    func aBurstOfTenDoesNotPileOntoOneNode(each: ResourceDemand) {
        let reports: [NodeID: WorkloadReport] = [1: report(cpu: 100), 2: report(cpu: 150), 3: report(cpu: 200)]
        var ledger = PendingLedger()
        var placed: [NodeID: Int] = [:]
        for request in 0..<10 {
            let candidates = reports.map { Candidate(node: $0.key, report: $0.value, pending: ledger.reservation(for: $0.key)) }
            let asked = DeployRequest(requestID: UInt64(request), service: "s\(request)", image: "i", cpuMillicores: each.cpuMillicores, memoryMiB: each.memoryMiB)
            guard case .success(let entry) = Placement.decide(asked, among: candidates, policy: policy, leader: 1, term: 1, timestampMicros: 0) else {
                Issue.record("request \(request) was not placed")
                return
            }
            // Each decision of the burst verifies from its entry alone (pending included).
            #expect(DecisionVerifier.verify(entry, policy: policy) == .accepted)
            let node = entry.chosen
            ledger.record(requestID: UInt64(request), node: node, demand: each, atMillis: 0)
            placed[node, default: 0] += 1
        }
        #expect(placed.count == 3)
        // Every node gets some; the least loaded may get a few more (it had the most room).
        #expect(placed.values.allSatisfy { $0 <= 6 }, "placed \(placed)")
    }

    @Test func theLedgerForgetsWhatAReportShows() {
        var ledger = PendingLedger(settleMillis: 100)
        ledger.record(requestID: 1, node: 1, demand: demand(100, 10), atMillis: 1_000)
        ledger.record(requestID: 2, node: 1, demand: demand(200, 20), atMillis: 1_050)
        ledger.record(requestID: 3, node: 2, demand: demand(300, 30), atMillis: 1_000)
        #expect(ledger.reservation(for: 1) == Reservation(cpuMillicores: 300, memoryMiB: 30, services: 2))
        ledger.reportArrived(from: 1, sampledAtMillis: 1_120)
        #expect(ledger.reservation(for: 1) == Reservation(cpuMillicores: 200, memoryMiB: 20, services: 1))
        #expect(ledger.reservation(for: 2) == Reservation(cpuMillicores: 300, memoryMiB: 30, services: 1))
        ledger.forget(requestID: 3)
        #expect(ledger.reservation(for: 2) == .none)
    }

    @Test func hugeFiguresFromOutsideSaturateInsteadOfTrapping() {
        let pending = Reservation(cpuMillicores: .max, memoryMiB: .max, services: .max)
        let candidate = Candidate(node: 1, report: report(cpu: 1000, memUsed: .max, freeCPU: .max, freeMem: .max), pending: pending)
        for metric in [LoadMetric.cpu, .memory, .weighted(cpuWeightPermille: .max)] {
            #expect(candidate.projectedLoadPPM(PlacementPolicy(metric: metric)) <= LoadMetric.fullPPM)
        }
        #expect(pending.adding(demand(.max, .max)) == pending)
        #expect(!candidate.fits(demand(1, 0)))
    }

    /// Property, 2,000 seeded random inputs: the choice is fresh, fits, has no better
    /// fresh fitting rival, and does not depend on the order of the candidates.
    @Test func choiceIsTheMinimumAndOrderIndependent() {
        var random = SeededRandom(seed: 11)
        for _ in 0..<2_000 {
            let policy = randomPolicy(&random)
            let candidates = randomCandidates(&random)
            let want = demand(UInt32(random.next() % 1_500), UInt32(random.next() % 1_500))
            let result = Placement.choose(want, among: candidates, policy: policy)
            var shuffled = candidates
            shuffled.shuffle(using: &random)
            #expect(Placement.choose(want, among: shuffled, policy: policy) == result)
            let eligible = candidates.filter { $0.isFresh(policy) && $0.fits(want) }
            switch result {
            case .success(let node):
                let chosen = eligible.first { $0.node == node }
                #expect(chosen != nil)
                guard let chosen else { continue }
                for rival in eligible where rival.node != node {
                    let a = (chosen.projectedLoadPPM(policy), chosen.pending.services, chosen.node)
                    let b = (rival.projectedLoadPPM(policy), rival.pending.services, rival.node)
                    #expect(a < b)
                }
            case .failure:
                #expect(eligible.isEmpty)
            }
        }
    }
}

func randomPolicy(_ random: inout SeededRandom) -> PlacementPolicy {
    let metric: LoadMetric
    switch random.next() % 3 {
    case 0: metric = .cpu
    case 1: metric = .memory
    default: metric = .weighted(cpuWeightPermille: UInt16(random.next() % 1_001))
    }
    return PlacementPolicy(metric: metric, maxReportAgeMillis: 1_000)
}

/// 1–8 distinct nodes with loads drawn from few values, so that ties are common.
func randomCandidates(_ random: inout SeededRandom) -> [Candidate] {
    let count = Int(random.next() % 8) + 1
    var nodes = Array(NodeID(1)...NodeID(12))
    nodes.shuffle(using: &random)
    return nodes.prefix(count).map { node in
        let r = report(
            cpu: UInt16(random.next() % 5) * 250, memUsed: UInt32(random.next() % 4) * 512,
            freeCPU: UInt32(random.next() % 5) * 500, freeMem: UInt32(random.next() % 5) * 512,
            age: random.chance(0.2) ? 1_500 : UInt32(random.next() % 1_001))
        let pending = random.chance(0.5)
            ? Reservation(cpuMillicores: UInt32(random.next() % 1_000), memoryMiB: UInt32(random.next() % 1_000), services: UInt32(random.next() % 4)) : .none
        return Candidate(node: node, report: r, pending: pending)
    }
}
