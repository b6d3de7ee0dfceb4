import NetworkModel
import Node
import Testing
import Wire

func decision(chosen: NodeID, loads: [Candidate], request: DeployRequest = DeployRequest(requestID: 7, service: "web", image: "nginx")) -> DecisionEntry {
    DecisionEntry(
        request: request, chosen: chosen, leader: 1, term: 3, timestampMicros: 1_000,
        loads: loads.map { NodeLoad(node: $0.node, report: $0.report) },
        pending: loads.filter { !$0.pending.isEmpty }.sorted { $0.node < $1.node }.map { $0.pending.pendingLoad(on: $0.node) })
}

@Suite struct DecisionVerifierTests {
    let policy = PlacementPolicy(metric: .cpu, maxReportAgeMillis: 1_000)

    @Test func anHonestChoiceIsAccepted() {
        let loads = [Candidate(node: 1, report: report(cpu: 400)), Candidate(node: 2, report: report(cpu: 100))]
        #expect(DecisionVerifier.verify(decision(chosen: 2, loads: loads), policy: policy) == .accepted)
    }

    @Test func aLieAboutTheChoiceIsRefusedWithTheExpectedNode() {
        let loads = [Candidate(node: 1, report: report(cpu: 400)), Candidate(node: 2, report: report(cpu: 100))]
        #expect(DecisionVerifier.verify(decision(chosen: 1, loads: loads), policy: policy) == .refused(.wrongNode(chosen: 1, expected: 2)))
        #expect(DecisionVerifier.verify(decision(chosen: 9, loads: loads), policy: policy) == .refused(.wrongNode(chosen: 9, expected: 2)))
    }

    @Test func aStaleChoiceIsRefused() {
        let loads = [Candidate(node: 1, report: report(cpu: 0, age: 2_000)), Candidate(node: 2, report: report(cpu: 900))]
        #expect(DecisionVerifier.verify(decision(chosen: 1, loads: loads), policy: policy) == .refused(.wrongNode(chosen: 1, expected: 2)))
    }

    @Test func aChoiceWhereNothingFitsIsRefused() {
        let request = DeployRequest(requestID: 1, service: "db", image: "pg", cpuMillicores: 8_000, memoryMiB: 1)
        let loads = [Candidate(node: 1, report: report(freeCPU: 4_000))]
        let verdict = DecisionVerifier.verify(decision(chosen: 1, loads: loads, request: request), policy: policy)
        #expect(verdict == .refused(.nothingFits(.noNodeFits(demand: demand(8_000, 1), tooSmall: [1], stale: []))))
    }

    @Test func pendingForANodeWithoutALoadIsRefused() {
        var entry = decision(chosen: 1, loads: [Candidate(node: 1, report: report())])
        entry.pending.append(PendingLoad(node: 5, cpuMillicores: 1, memoryMiB: 0, services: 1))
        #expect(DecisionVerifier.verify(entry, policy: policy) == .refused(.pendingWithoutLoad(5)))
    }

    /// The pending services decide the burst's spread, so they are part of the proof: a
    /// leader that drops them from the entry is refused.
    @Test func aDecisionThatHidesPendingServicesIsRefused() {
        let loads = [Candidate(node: 1, report: report(cpu: 100), pending: Reservation(cpuMillicores: 3_000, memoryMiB: 0, services: 3)), Candidate(node: 2, report: report(cpu: 200))]
        #expect(DecisionVerifier.verify(decision(chosen: 2, loads: loads), policy: policy) == .accepted)
        var hidden = decision(chosen: 2, loads: loads)
        hidden.pending = []
        #expect(DecisionVerifier.verify(hidden, policy: policy) == .refused(.wrongNode(chosen: 2, expected: 1)))
    }

    @Test func aFollowerWithAnotherPolicyRefusesSoPoliciesMustAgree() {
        let loads = [Candidate(node: 1, report: report(cpu: 800, memUsed: 100, freeMem: 900)), Candidate(node: 2, report: report(cpu: 100, memUsed: 900, freeMem: 100))]
        let record = decision(chosen: 2, loads: loads)
        #expect(DecisionVerifier.verify(record, policy: PlacementPolicy(metric: .cpu)) == .accepted)
        #expect(DecisionVerifier.verify(record, policy: PlacementPolicy(metric: .memory)) == .refused(.wrongNode(chosen: 2, expected: 1)))
    }

    /// Property, 2,000 seeded inputs: what the leader's placement chose always verifies, and
    /// any other node named in its place is refused; the verdict is the same on every call.
    @Test func honestChoicesVerifyAndEveryOtherChoiceIsRefused() throws {
        var random = SeededRandom(seed: 12)
        for _ in 0..<2_000 {
            let policy = randomPolicy(&random)
            let loads = randomCandidates(&random)
            let request = DeployRequest(requestID: random.next(), service: "s", image: "i", cpuMillicores: UInt32(random.next() % 1_500), memoryMiB: UInt32(random.next() % 1_500))
            switch Placement.decide(request, among: loads, policy: policy, leader: 1, term: 3, timestampMicros: 1_000) {
            case .success(let entry):
                let honest = entry.chosen
                #expect(entry == decision(chosen: honest, loads: loads, request: request))
                #expect(DecisionVerifier.verify(entry, policy: policy) == .accepted)
                // What arrives is the encoded entry: the verdict is the same after decoding.
                #expect(DecisionVerifier.verify(try DecisionEntry.decode(entry.encoded()), policy: policy) == .accepted)
                let liar = loads.map(\.node).filter { $0 != honest }.randomElement(using: &random) ?? (honest &+ 1)
                let lie = decision(chosen: liar, loads: loads, request: request)
                #expect(DecisionVerifier.verify(lie, policy: policy) == .refused(.wrongNode(chosen: liar, expected: honest)))
                #expect(DecisionVerifier.verify(lie, policy: policy) == DecisionVerifier.verify(lie, policy: policy))
            case .failure(let failure):
                let any = loads[Int(random.next() % UInt64(loads.count))].node
                #expect(DecisionVerifier.verify(decision(chosen: any, loads: loads, request: request), policy: policy) == .refused(.nothingFits(failure)))
            }
        }
    }
}

@Suite struct OwnLoadCheckTests {
    func entry(quoting loads: [NodeLoad]) -> DecisionEntry {
        DecisionEntry(request: DeployRequest(requestID: 1, service: "s", image: "i"), chosen: 1, leader: 1, term: 1, timestampMicros: 0, loads: loads)
    }

    @Test func aQuotedSentReportMatchesEvenWhenAged() {
        var sent = SentReports(capacity: 4)
        sent.record(report(cpu: 100, age: 50))
        sent.record(report(cpu: 300, age: 50))
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: report(cpu: 100, age: 50))]), me: 2, sent: sent) == .matches)
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: report(cpu: 300, age: 900))]), me: 2, sent: sent) == .matches)
    }

    @Test func aChangedFieldOrAYoungerAgeIsAMisquote() {
        var sent = SentReports()
        sent.record(report(cpu: 100, freeCPU: 2_000, age: 50))
        let changed = report(cpu: 100, freeCPU: 1_999, age: 50)
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: changed)]), me: 2, sent: sent) == .misquoted(changed))
        let younger = report(cpu: 100, freeCPU: 2_000, age: 49)
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: younger)]), me: 2, sent: sent) == .misquoted(younger))
    }

    @Test func notQuotedAndQuotedTwiceAreToldApart() {
        var sent = SentReports()
        sent.record(report())
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 3, report: report())]), me: 2, sent: sent) == .notQuoted)
        let twice = [NodeLoad(node: 2, report: report()), NodeLoad(node: 2, report: report())]
        #expect(OwnLoadCheck.check(entry(quoting: twice), me: 2, sent: sent) == .quotedTwice)
    }

    @Test func onlyTheLastReportsAreKept() {
        var sent = SentReports(capacity: 2)
        for cpu: UInt16 in [1, 2, 3] { sent.record(report(cpu: cpu)) }
        #expect(sent.reports.map(\.cpuBusyPermille) == [2, 3])
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: report(cpu: 1))]), me: 2, sent: sent) == .misquoted(report(cpu: 1)))
    }

    /// Every response carries a report, mostly the same measurement again: a burst of them
    /// must not push out the one a leader still quotes (that refused an honest decision and
    /// stalled the log behind it in the on-demand benchmark).
    @Test func repeatsOfOneMeasurementDoNotPushOutAnEarlierOne() {
        var sent = SentReports(capacity: 4)
        sent.record(report(cpu: 100, age: 10))
        for step in 0..<100 { sent.record(report(cpu: 200, age: UInt32(step))) }
        #expect(sent.reports.map(\.cpuBusyPermille) == [100, 200])
        #expect(sent.reports.last?.sampleAgeMillis == 0, "the youngest age it was sent with")
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: report(cpu: 100, age: 400))]), me: 2, sent: sent) == .matches)
        // A quote older than a fresh report may be cannot place anything here.
        let old = report(cpu: 300, age: 5_100)
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: old)]), me: 2, sent: sent, maxReportAgeMillis: 5_000) == .stale)
        #expect(OwnLoadCheck.check(entry(quoting: [NodeLoad(node: 2, report: old)]), me: 2, sent: sent) == .misquoted(old))
    }
}
