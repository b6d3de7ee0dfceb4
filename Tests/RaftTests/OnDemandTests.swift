import Testing
import Wire
@testable import Raft

/// The paper's on-demand leadership: no leader and no traffic while idle.
@Suite struct OnDemandTests {
    static func cluster(_ ids: [NodeID] = [1, 2, 3], idle: Int = 0) -> TestCluster {
        TestCluster(ids) { $0.mode = .onDemand(idleTicks: idle) }
    }

    @Test func anIdleClusterSendsNothing() {
        var c = Self.cluster()
        c.tickAll(500)
        #expect(c.sent.isEmpty)
        #expect(c.leaders.isEmpty)
    }

    @Test func aProposalElectsItsGatewayWhichCommitsAndRetires() {
        var c = Self.cluster()
        #expect(c.propose(2, tag: 9) == .held)
        #expect(c[2].term == 1)
        #expect(c.applied[2]!.map(\.kind) == [.noop, .decision])
        #expect(c.leaders.isEmpty, "idle 0: retires as soon as its decision commits")
        let sentAfter = c.sent.count
        c.tickAll(300)
        #expect(c.sent.count == sentAfter, "and the cluster is silent again")
        // Every node heard the retirement: the next gateway is elected at once.
        #expect(c.propose(3, tag: 10) == .held)
        #expect(c[3].term == 2)
        #expect(c.applied[3]!.filter { $0.kind == .decision }.count == 2)
    }

    @Test(arguments: 1...20)
    func twoGatewaysProposingAtOnceBothGetCommitted(seed: Int) {
        var c = TestCluster([1, 2, 3, 4, 5, 6]) { $0.mode = .onDemand(idleTicks: 0); $0.seed = UInt64(seed) * 31 + UInt64($0.id) }
        let a = c[1].propose(Proposal(tag: 1, kind: .decision, payload: [1]))
        let b = c[4].propose(Proposal(tag: 2, kind: .decision, payload: [2]))
        #expect(a == .held && b == .held)
        func committed() -> Set<[UInt8]> {
            Set(c.applied.values.flatMap { $0 }.filter { $0.kind == .decision }.map(\.payload))
        }
        for _ in 0..<200 where committed() != [[1], [2]] {
            c.settle()
            c.tickAll()
        }
        #expect(committed() == [[1], [2]], "no stuck gateway (seed \(seed))")
    }

    @Test func aLeaderKeepsLeadingWhileRequestsKeepComingThenRetires() {
        var c = Self.cluster(idle: 20)
        c.propose(1, tag: 1)
        #expect(c.leaders == [1])
        for tag in 2...5 {
            c.tickAll(10)
            #expect(c.propose(1, tag: UInt64(tag)) == .appended(index: UInt64(tag + 1), term: 1), "same term, no new election")
        }
        c.tickAll(25)
        #expect(c.leaders.isEmpty, "retired after 20 idle ticks")
    }

    @Test func aGatewayThatSeesALiveLeaderForwards() {
        var c = Self.cluster(idle: 50)
        c.propose(1, tag: 1)
        #expect(c.propose(3, tag: 2) == .forward(to: 1))
    }

    @Test func aGatewayWhoseLeaderVanishedCampaignsAgain() {
        var c = Self.cluster(idle: 1000)
        c.propose(1, tag: 1)
        c.isolate(1)
        // 3 still believes in leader 1 until a whole timeout passes without a word.
        #expect(c.propose(3, tag: 2) == .forward(to: 1))
        c.tickAll(c[3].config.electionTicks * 2 + 1)
        #expect(c.propose(3, tag: 3) == .held)
        c.tickAll(5)
        #expect(c[3].role == .leader || c[2].role == .leader)
    }
}

extension OnDemandTests {
    /// A plain heartbeat beside the retiring one could overtake it on the way (Transport
    /// does not order unreliable messages with reliable ones) and hand the followers their
    /// lease back, so that the next gateway's pre-vote is ignored for a whole timeout.
    @Test func theTickThatRetiresSendsOnlyTheRetiringHeartbeat() {
        var node = RaftNode(config: {
            var config = RaftConfig(id: 1, voters: [1, 2, 3])
            config.mode = .onDemand(idleTicks: 2)
            config.seed = 5
            return config
        }())
        node.campaign()
        for peer: NodeID in [2, 3] {
            node.step(Envelope(from: peer, to: 1, .voteResponse(VoteResponse(term: 1, granted: true, preVote: true, handlingMicros: 0))))
        }
        for peer: NodeID in [2, 3] {
            node.step(Envelope(from: peer, to: 1, .voteResponse(VoteResponse(term: 1, granted: true, handlingMicros: 0))))
        }
        #expect(node.role == .leader)
        for peer: NodeID in [2, 3] {
            node.step(Envelope(from: peer, to: 1, .appendResponse(AppendResponse(term: 1, success: true, index: node.lastIndex, handlingMicros: 0))))
        }
        _ = node.takeReady()
        var retiringTick: [Envelope] = []
        for _ in 0..<10 where node.role == .leader {
            node.tick()
            retiringTick = node.takeReady().messages
        }
        #expect(node.role == .follower)
        let appends = retiringTick.compactMap { envelope -> AppendEntries? in
            if case .appendEntries(let append) = envelope.message { return append }
            return nil
        }
        #expect(appends.count == 2)
        #expect(appends.allSatisfy { $0.retiring })
    }

    /// A plain heartbeat the retired leader sent before its retiring one can arrive after it
    /// (Transport orders reliable control first): it must not give the lease back, or the
    /// next gateway's pre-vote is ignored until the followers' election timeout.
    @Test func aHeartbeatThatOvertakesTheRetirementGivesNoLeaseBack() {
        var follower = RaftNode(config: {
            var config = RaftConfig(id: 2, voters: [1, 2, 3])
            config.mode = .onDemand(idleTicks: 0)
            return config
        }(), hardState: HardState(term: 1))
        func heartbeat(retiring: Bool) -> Envelope {
            Envelope(from: 1, to: 2, .appendEntries(AppendEntries(term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, retiring: retiring)))
        }
        follower.step(heartbeat(retiring: false))
        #expect(follower.leader == 1)
        follower.step(heartbeat(retiring: true))
        #expect(follower.leader == nil)
        _ = follower.takeReady()
        follower.step(heartbeat(retiring: false))
        #expect(follower.leader == nil, "the late heartbeat gives no lease back")
        // A late append with entries still counts: it may be all this node lacks.
        follower.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(
            term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 1, entries: [LogEntry(term: 1, kind: .noop, payload: [])]))))
        #expect(follower.lastIndex == 1 && follower.commitIndex == 1)
        #expect(follower.leader == nil)
        _ = follower.takeReady()
        follower.step(Envelope(from: 3, to: 2, .requestVote(RequestVote(term: 2, lastLogIndex: 1, lastLogTerm: 1, preVote: true))))
        let granted = follower.takeReady().messages.contains { envelope in
            if case .voteResponse(let response) = envelope.message { return response.granted }
            return false
        }
        #expect(granted, "the next gateway's pre-vote is granted at once")
    }
}
