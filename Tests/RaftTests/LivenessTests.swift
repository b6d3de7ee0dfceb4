import NetworkModel
import Testing
import Wire
@testable import Raft

/// Liveness gaps found by re-driving a well-known Raft implementation's published
/// scenarios: each of these once left a cluster without a leader, or slower than it needs.
@Suite struct LivenessTests {
    /// Voters {1, 2} and learner 3; 3's promotion commits on 1 and 2 but has not reached
    /// 3 when 1 dies. 2 needs 3's vote, and 3 — still a learner in its own log — must give
    /// it on the log rule alone, or the committed 3-voter configuration elects nobody.
    @Test func aPromotedLearnerThatHasNotHeardOfItsPromotionStillVotes() {
        var c = TestCluster([1, 2])
        c.campaign(1)
        c.addNode(3, voters: [1, 2])
        #expect(c[1].changeMembership(.addLearner(3)) == .appended(index: 2, term: 1))
        c.tickAll(3)
        #expect(c[3].membership == Membership(voters: [1, 2], learners: [3]))
        c.isolate(3)
        #expect(c[1].changeMembership(.addVoter(3)) == .appended(index: 3, term: 1))
        c.tick(only: [1, 2], 2)
        #expect(c[1].commitIndex == 3 && c[2].commitIndex == 3, "the promotion committed on 1 and 2")
        #expect(c[2].membership.voters == [1, 2, 3])
        #expect(!c[3].isVoter, "3 has not heard of it")
        // 1 dies; 3 comes back.
        c.heal()
        c.isolate(1)
        for _ in 0..<200 where c.leaders.filter({ $0 != 1 }).isEmpty { c.tick(only: [2, 3]) }
        #expect(c.leaders.filter { $0 != 1 } == [2], "2 is elected with 3's vote")
        #expect(c.propose(2, tag: 7) == .appended(index: 5, term: c[2].term))
        #expect(c[2].commitIndex == 5)
        #expect(c[3].isVoter, "and 3 learns it is a voter from the new leader")
    }

    /// Node timers must not be shifted copies of each other: whatever number of draws
    /// apart two nodes are (which depends on their history), their timeouts coincide no
    /// more often than chance allows (1 in `electionTicks`, here 10 %).
    @Test(arguments: [nil, 1, 42] as [UInt64?])
    func electionTimeoutsOfDifferentNodesAreIndependent(sharedSeed: UInt64?) {
        func node(_ id: NodeID) -> RaftNode {
            var config = RaftConfig(id: id, voters: [1, 2, 3, 4, 5])
            if let sharedSeed { config.seed = sharedSeed }
            return RaftNode(config: config)
        }
        let rounds = 1000
        for a: NodeID in 1...5 {
            for b: NodeID in 1...5 where b > a {
                for lag in -3...3 {
                    var first = node(a), second = node(b)
                    for _ in 0..<max(lag, 0) { first.resetElectionTimer() }
                    for _ in 0..<max(-lag, 0) { second.resetElectionTimer() }
                    var coinciding = 0
                    for _ in 0..<rounds {
                        if first.randomizedElectionTimeout == second.randomizedElectionTimeout { coinciding += 1 }
                        first.resetElectionTimer()
                        second.resetElectionTimer()
                    }
                    #expect(coinciding <= rounds * 3 / 10, "nodes \(a) and \(b), \(lag) draws apart: \(coinciding) of \(rounds) rounds coincide")
                }
            }
        }
    }

    /// Random 3-node histories with the default configuration (each node seeds itself
    /// from the operating system): loss and elections, then one node — the leader when
    /// there is one — goes down for good. The two survivors always elect a leader.
    @Test func twoSurvivorsOfThreeAlwaysElectALeader() {
        var stuck: [Int] = []
        for history in 0..<500 {
            var c = TestCluster([1, 2, 3], defaultRandomness: true)
            var rng = SeededRandom(seed: UInt64(history) &+ 0x5EED)
            let loss = Double(rng.next() % 40) / 100
            var lossRNG = SeededRandom(seed: rng.next())
            c.filter = { _ in !lossRNG.chance(loss) }
            c.tickAll(20 + Int(rng.next() % 40))
            // A few spells in which one node is cut off and campaigns on its own.
            for _ in 0..<Int(rng.next() % 4) {
                c.isolate(NodeID(rng.next() % 3 + 1))
                c.tickAll(Int(rng.next() % 40))
                c.heal()
                c.tickAll(Int(rng.next() % 20))
            }
            c.filter = nil
            let down = c.leaders.first ?? NodeID(rng.next() % 3 + 1)
            c.isolate(down)
            let survivors = [NodeID(1), 2, 3].filter { $0 != down }
            var ticks = 0
            while ticks < 400 && !survivors.contains(where: { c[$0].role == .leader }) {
                c.tick(only: survivors)
                ticks += 1
            }
            if ticks == 400 { stuck.append(history) }
        }
        #expect(stuck.isEmpty, "no leader within 400 ticks in histories \(stuck)")
    }

    /// Node 2's votes elect 1, and then nothing more reaches 1: it must not count its
    /// followers as active for the first check-quorum round of its term.
    @Test func aLeaderThatLostItsQuorumStepsDownWithinOneElectionTimeout() {
        var c = TestCluster([1, 2, 3])
        c.filter = { envelope in
            if envelope.to == 1, envelope.from == 2, case .voteResponse = envelope.message { return true }
            return envelope.to != 1
        }
        c.campaign(1)
        #expect(c.leaders == [1])
        c.filter = nil
        c.isolate(1)
        c.tick(1, c[1].config.electionTicks)
        #expect(c[1].role == .follower, "no answer for a whole election timeout")
    }

    /// Asking again for the transfer already under way changes nothing: it is abandoned
    /// one election timeout after it began, not after the last request.
    @Test func aRepeatedTransferRequestDoesNotExtendTheTransfer() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.isolate(3)
        c.propose(1, tag: 1)
        c[1].transferLeadership(to: 3)
        c.tick(1, 5)
        c[1].transferLeadership(to: 3)
        #expect(c[1].propose(Proposal(tag: 2, kind: .decision, payload: [])) == .dropped(.transferring))
        c.tick(1, c[1].config.electionTicks - 5)
        #expect(c[1].role == .leader)
        #expect(c.propose(1, tag: 3) == .appended(index: 3, term: 1), "the transfer was abandoned on time")
    }

    /// A follower in probe whose successful answer does not move its match (it already
    /// has everything) is still proven in step: replication pipelines from then on.
    @Test func aProbedFollowerMovesToReplicateOnAnySuccessfulAnswer() {
        var c = TestCluster([1, 2, 3]) { $0.appendRetryTicks = 100 }
        c.campaign(1)
        c.propose(1, tag: 1)
        // As after a stall: the leader probes 2 again, though 2 holds the whole log.
        c[1].progress[2]!.becomeProbe()
        c.tick(1)
        #expect(c[1].progress[2]!.state == .replicate)
        c.cut.insert([2, 1])
        let before = c.messages(from: 1, to: 2) { $0.appendEntries?.entries.isEmpty == false }.count
        for tag in 2...4 { c.propose(1, tag: UInt64(tag)) }
        let after = c.messages(from: 1, to: 2) { $0.appendEntries?.entries.isEmpty == false }.count
        #expect(after - before == 3, "three appends pipelined, not one probe")
    }

    /// The same after a snapshot: installing it proves where the follower is.
    @Test func aFollowerThatInstalledASnapshotMovesToReplicate() {
        var c = TestCluster([1, 2, 3]) { $0.appendRetryTicks = 100 }
        c.isolate(3)
        c.campaign(1)
        for tag in 1...5 { c.propose(1, tag: UInt64(tag)) }
        c.compact(1)
        c.heal()
        c.tickAll(5)
        #expect(c.snapshots[3]?.position.index == 6)
        #expect(c[1].progress[3]!.state == .replicate)
        c.cut.insert([3, 1])
        let before = c.messages(from: 1, to: 3) { $0.appendEntries?.entries.isEmpty == false }.count
        for tag in 6...8 { c.propose(1, tag: UInt64(tag)) }
        let after = c.messages(from: 1, to: 3) { $0.appendEntries?.entries.isEmpty == false }.count
        #expect(after - before == 3, "three appends pipelined, not one probe")
    }

    /// 2's acknowledgement of an entry is lost; 3's commits it. The next heartbeat must
    /// tell 2 the commit index, not wait for the leader to notice the lost acknowledgement.
    @Test func aFollowerLearnsTheCommitIndexWithinOneHeartbeatWhenItsAckWasLost() {
        var c = TestCluster([1, 2, 3]) { $0.appendRetryTicks = 100 }
        c.campaign(1)
        var lost = 0
        c.filter = { envelope in
            if envelope.from == 2, envelope.to == 1, case .appendResponse(let r) = envelope.message, r.success, r.index == 2 {
                lost += 1
                return false
            }
            return true
        }
        c.propose(1, tag: 1)
        c.filter = nil
        #expect(lost == 1 && c[1].commitIndex == 2 && c[2].lastIndex == 2)
        #expect(c[2].commitIndex == 1)
        c.tick(1)
        #expect(c[2].commitIndex == 2, "one heartbeat")
        #expect(c.applied[2]!.map(\.index) == [1, 2])
    }

    /// What makes the above safe: a follower takes a leader's commit index only as far as
    /// its log is known to match that leader's, never over a suffix it has not checked.
    @Test func aFollowerNeverCommitsPastWhatItSharesWithTheLeader() {
        var follower = RaftNode(
            config: RaftConfig(id: 2, voters: [1, 2, 3]), hardState: HardState(term: 2),
            entries: [Entry(index: 1, term: 1, kind: .noop), Entry(index: 2, term: 2, kind: .noop), Entry(index: 3, term: 2, kind: .noop)])
        // A leader of term 3 whose log is [1 3 3 3], committed through 4, checks only index 1.
        follower.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(term: 3, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 4))))
        #expect(follower.commitIndex == 1, "entries 2 and 3 are of term 2 and not the leader's")
        guard case .appendResponse(let response) = follower.takeReady().messages.first?.message else { Issue.record("no reply"); return }
        #expect(response.success && response.index == 1)
        // Once it takes the leader's entries, it commits them.
        follower.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(
            term: 3, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 4,
            entries: [LogEntry(term: 3, kind: .noop), LogEntry(term: 3, kind: .noop), LogEntry(term: 3, kind: .noop)]))))
        #expect(follower.commitIndex == 4)
    }
}
