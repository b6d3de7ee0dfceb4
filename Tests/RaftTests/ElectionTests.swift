import Testing
import Wire
@testable import Raft

/// Leader election: terms, votes, pre-vote, check-quorum, transfer.
@Suite struct ElectionTests {
    @Test func aCampaignWinsAMajorityAndAppendsANoop() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        #expect(c.leaders == [1])
        #expect(c[1].term == 1)
        #expect(c[2].leader == 1 && c[3].leader == 1)
        // The new term's noop is replicated and committed everywhere.
        #expect(c[1].commitIndex == 1)
        #expect(c.disk[2]!.entries.map(\.kind) == [.noop])
    }

    @Test func threeVotesOfSixDoNotElect() {
        var c = TestCluster([1, 2, 3, 4, 5, 6]) { $0.preVote = false }
        c.isolate(4); c.isolate(5); c.isolate(6)
        c.campaign(1)
        #expect(c[1].role == .candidate, "3 of 6 is not a majority")
        #expect(c.leaders.isEmpty)
        c.heal()
        c.campaign(1)
        #expect(c.leaders == [1], "4 of 6 is")
    }

    @Test func aTwoTwoSplitOfFourElectsNobody() {
        var c = TestCluster([1, 2, 3, 4]) { $0.preVote = false }
        c.cut = [[1, 3], [1, 4], [2, 3], [2, 4], [3, 1], [3, 2], [4, 1], [4, 2]]
        c.campaign(1)
        c.campaign(3)
        // Each side holds 2 of 4 votes; a majority of 4 is 3.
        #expect(c.leaders.isEmpty)
    }

    @Test func oneVotePerTermAndItIsDurableBeforeTheReply() {
        var c = TestCluster([1, 2, 3]) { $0.preVote = false }
        var voter = c[3]
        voter.step(Envelope(from: 1, to: 3, .requestVote(RequestVote(term: 1, lastLogIndex: 0, lastLogTerm: 0))))
        let ready = voter.takeReady()
        #expect(ready.hardState == HardState(term: 1, vote: 1, commit: 0), "vote persisted in the same Ready as the reply")
        #expect(ready.messages.count == 1)
        voter.step(Envelope(from: 2, to: 3, .requestVote(RequestVote(term: 1, lastLogIndex: 5, lastLogTerm: 1))))
        let second = voter.takeReady().messages
        guard case .voteResponse(let response) = second.first?.message else {
            Issue.record("no answer"); return
        }
        #expect(!response.granted, "second candidate of the same term is refused")
        // Restarted from disk, it still remembers its vote.
        c[3] = voter
        c.disk[3]!.hardState = HardState(term: 1, vote: 1, commit: 0)
        c.restart(3)
        #expect(c[3].vote == 1)
    }

    @Test func aStaleLogCannotWin() {
        var c = TestCluster([1, 2, 3]) { $0.preVote = false }
        c.setLog(1, terms: [1])
        c.setLog(2, terms: [1, 2])
        c.setLog(3, terms: [1, 2])
        c.campaign(1)
        #expect(c[1].role != .leader)
        c.campaign(2)
        #expect(c.leaders == [2])
    }

    @Test func aHigherTermDemotesALeaderAndStaleTermsAreIgnored() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        var leader = c[1]
        leader.step(Envelope(from: 2, to: 1, .appendResponse(AppendResponse(term: 7, success: false, index: 0, handlingMicros: 0))))
        #expect(leader.role == .follower && leader.term == 7 && leader.vote == nil)
        var follower = c[3]
        let before = follower.term
        follower.step(Envelope(from: 2, to: 3, .requestVote(RequestVote(term: 0, lastLogIndex: 9, lastLogTerm: 0))))
        #expect(follower.term == before && follower.vote == c[3].vote)
    }

    @Test func splitVotesResolveByRandomizedTimeouts() {
        var c = TestCluster([1, 2, 3, 4, 5])
        for _ in 0..<200 where c.leaders.isEmpty { c.tickAll() }
        #expect(c.leaders.count == 1)
    }

    @Test func aCandidateFallsBackToALegitimateLeader() {
        var candidate = RaftNode(config: { var c = RaftConfig(id: 3, voters: [1, 2, 3]); c.preVote = false; return c }())
        candidate.campaign()
        #expect(candidate.role == .candidate && candidate.term == 1)
        // Node 1 won term 1 with node 2's vote; its first append reaches the candidate.
        candidate.step(Envelope(from: 1, to: 3, .appendEntries(AppendEntries(
            term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, entries: [LogEntry(term: 1, kind: .noop)]))))
        #expect(candidate.role == .follower && candidate.leader == 1 && candidate.term == 1)
        #expect(candidate.vote == 3, "its own vote of term 1 stays")
    }

    @Test func preVoteKeepsARejoiningNodeFromBumpingTheTerm() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.isolate(3)
        for _ in 0..<50 { c.tick(3) }
        #expect(c[3].term == 1, "pre-votes fail in isolation, so the term stays")
        c.heal()
        c.tickAll(3)
        #expect(c.leaders == [1] && c[1].term == 1, "the leader is not disturbed")
    }

    @Test func withoutPreVoteARejoiningNodeDisruptsTheTerm() {
        var c = TestCluster([1, 2, 3]) { $0.preVote = false; $0.checkQuorum = false }
        c.campaign(1)
        c.isolate(3)
        for _ in 0..<50 { c.tick(3) }
        #expect(c[3].term > 1)
    }

    @Test func checkQuorumStepsDownALeaderCutOffFromItsMajority() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.isolate(1)
        c.tick(1, c[1].config.electionTicks * 2 + 1)
        #expect(c[1].role == .follower)
    }

    @Test func preVoteWithCheckQuorumStaysLiveUnderAOneWayPartition() {
        // Leader 1 still reaches 3, but 3 cannot answer: 1 keeps 2 as its quorum; 3 keeps
        // hearing heartbeats and never disrupts. Then 1 is cut off entirely: 2 and 3 elect.
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.cut.insert([3, 1])
        c.tickAll(40)
        #expect(c.leaders == [1])
        c.isolate(1)
        c.tickAll(60)
        let leaders = c.leaders.filter { $0 != 1 }
        #expect(leaders.count == 1, "2 and 3 elect a new leader")
    }

    @Test func leadershipTransferHandsOverToAnUpToDateNode() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.propose(1, tag: 1)
        c[1].transferLeadership(to: 3)
        c.settle()
        #expect(c.leaders == [3])
        #expect(c[3].term == 2)
    }

    @Test func leadershipTransferWaitsForTheTargetToCatchUp() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.isolate(3)
        c.propose(1, tag: 1)
        c.propose(1, tag: 2)
        c[1].transferLeadership(to: 3)
        #expect(c[1].propose(Proposal(tag: 3, kind: .decision, payload: [])) == .dropped(.transferring))
        c.heal()
        c.tick(1, 4)
        #expect(c.leaders == [3])
        #expect(c[3].lastIndex >= 3)
    }

    @Test func aNodeThatMayNotLeadNeverCampaigns() {
        var c = TestCluster([1, 2, 3]) { $0.canLead = $0.id != 2 }
        c.isolate(1); c.isolate(3)
        for _ in 0..<100 { c.tick(2) }
        #expect(c[2].term == 0 && c[2].role == .follower)
        c[2].step(Envelope(from: 1, to: 2, .timeoutNow(TimeoutNow(term: 0))))
        #expect(c[2].role == .follower)
    }

    @Test func aNodeWhoseDiskFailedStopsVotingAndLeading() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c[1].storageFailed()
        #expect(c[1].role == .follower)
        c[1].step(Envelope(from: 2, to: 1, .requestVote(RequestVote(term: 9, lastLogIndex: 9, lastLogTerm: 9))))
        #expect(c[1].takeReady().messages.isEmpty, "no vote from a node that cannot store it")
        #expect(c[1].propose(Proposal(tag: 1, kind: .decision, payload: [])) == .dropped(.storageFailed))
    }
}
