import Testing
import Wire
@testable import Raft

/// Log replication: consistency check, repair, commit rules, flow control.
@Suite struct ReplicationTests {
    @Test func aProposalCommitsOnAMajorityAndIsAppliedEverywhere() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        #expect(c.propose(1, tag: 42) == .appended(index: 2, term: 1))
        #expect(c[1].commitIndex == 2)
        c.tickAll(2)  // heartbeats carry the commit index
        for id: NodeID in [1, 2, 3] {
            #expect(c.applied[id]!.map(\.index) == [1, 2], "node \(id)")
        }
    }

    /// A follower learns of a commit at once, not at the next tick; the notice stands in for
    /// that tick's heartbeat, so the leader sends no more heartbeats than before.
    @Test func aCommitIsAnnouncedAtOnceInPlaceOfTheNextHeartbeat() {
        var node = RaftNode(config: { var config = RaftConfig(id: 1, voters: [1, 2, 3]); config.seed = 3; return config }())
        node.campaign()
        for preVote in [true, false] {
            for peer: NodeID in [2, 3] {
                node.step(Envelope(from: peer, to: 1, .voteResponse(VoteResponse(term: 1, granted: true, preVote: preVote, handlingMicros: 0))))
            }
        }
        #expect(node.role == .leader)
        func ack(_ peer: NodeID) {
            node.step(Envelope(from: peer, to: 1, .appendResponse(AppendResponse(term: 1, success: true, index: node.lastIndex, handlingMicros: 0))))
        }
        func heartbeats(_ messages: [Envelope]) -> [AppendEntries] {
            messages.compactMap { envelope in
                if case .appendEntries(let append) = envelope.message, append.entries.isEmpty { return append }
                return nil
            }
        }
        ack(2); ack(3)
        _ = node.takeReady()
        node.tick()
        _ = node.takeReady()
        #expect(node.propose(Proposal(tag: 7, kind: .decision, payload: [7])) == .appended(index: 2, term: 1))
        _ = node.takeReady()
        ack(2)
        #expect(node.commitIndex == 2)
        let notice = heartbeats(node.takeReady().messages)
        #expect(notice.count == 2, "a commit notice to each follower, before any tick")
        #expect(notice.allSatisfy { $0.leaderCommit == 2 })
        node.tick()
        #expect(heartbeats(node.takeReady().messages).isEmpty, "the notice was this tick's heartbeat")
        node.tick()
        #expect(heartbeats(node.takeReady().messages).count == 2)
        // Two commits between two ticks: the first is announced, the second waits for the tick.
        #expect(node.propose(Proposal(tag: 8, kind: .decision, payload: [8])) == .appended(index: 3, term: 1))
        ack(3)
        #expect(heartbeats(node.takeReady().messages).count == 2)
        #expect(node.propose(Proposal(tag: 9, kind: .decision, payload: [9])) == .appended(index: 4, term: 1))
        ack(2)
        #expect(node.commitIndex == 4)
        #expect(heartbeats(node.takeReady().messages).isEmpty)
        // The shell knows who waits for that commit: only it is told, and only once.
        node.notifyCommit(to: [2, 3])
        let told = node.takeReady().messages.filter { if case .appendEntries = $0.message { return true } else { return false } }
        #expect(told.map(\.to) == [2], "3 does not hold index 4 yet: a notice could not commit it there")
        #expect(heartbeats(told).map(\.leaderCommit) == [4])
        node.notifyCommit(to: [2])
        #expect(heartbeats(node.takeReady().messages).isEmpty)
        node.tick()
        #expect(heartbeats(node.takeReady().messages).map(\.leaderCommit) == [4, 4])
    }

    @Test func aFollowerForwardsAndAMinorityCannotCommit() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        #expect(c.propose(2, tag: 1) == .forward(to: 1))
        c.isolate(2); c.isolate(3)
        c.propose(1, tag: 7)
        #expect(c[1].commitIndex == 1, "no majority, no commit")
        c.heal()
        c.tick(1, 4)
        #expect(c[1].commitIndex == 2)
    }

    /// Raft paper figure 7: a leader of term 8 with log [1 1 1 4 4 5 5 6 6 6] repairs
    /// followers (a)–(f) to its own log.
    @Test(arguments: [
        [1, 1, 1, 4, 4, 5, 5, 6, 6] as [UInt64],           // (a) missing one
        [1, 1, 1, 4],                                         // (b) missing many
        [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],                   // (c) one extra uncommitted
        [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],                // (d) extra of term 7
        [1, 1, 1, 4, 4, 4, 4],                                // (e) missing and extra
        [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],                   // (f) many extra of old terms
    ])
    func figure7FollowersAreRepaired(followerTerms: [UInt64]) {
        let leaderTerms: [UInt64] = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
        var c = TestCluster([1, 2, 3]) { $0.preVote = false }
        c.setLog(1, terms: leaderTerms, term: 7)
        c.setLog(2, terms: followerTerms, term: 7)
        c.setLog(3, terms: leaderTerms, term: 7)
        c.campaign(1)
        #expect(c.leaders == [1] && c[1].term == 8)
        c.tickAll(3)
        #expect(c[2].entries.map(\.term) == leaderTerms + [8], "follower log \(followerTerms)")
        #expect(c.disk[2]!.entries.map(\.term) == leaderTerms + [8], "and on its disk")
    }

    /// Raft paper figure 8: a leader must not commit an entry of an earlier term by
    /// counting replicas; it commits it only with an entry of its own term.
    @Test func figure8PreviousTermEntriesAreNotCommittedByCounting() {
        var c = TestCluster([1, 2, 3, 4, 5]) { $0.preVote = false }
        c.setLog(1, terms: [1, 2], term: 4)
        c.setLog(2, terms: [1, 2], term: 4)
        for id: NodeID in [3, 4, 5] { c.setLog(id, terms: [1], term: 4) }
        // Votes only: the leader's appends are held back so that we answer for the followers.
        c.filter = { !$0.message.isAppend }
        c.campaign(1)
        #expect(c.leaders == [1] && c[1].term == 5)
        #expect(c[1].entries.map(\.term) == [1, 2, 5])
        func ack(_ from: NodeID, _ index: UInt64) {
            c[1].step(Envelope(from: from, to: 1, .appendResponse(AppendResponse(term: 5, success: true, index: index, handlingMicros: 0))))
        }
        // Index 2 (term 2) reaches nodes 2 and 3: with the leader, a majority of five.
        ack(2, 2)
        ack(3, 2)
        #expect(c[1].commitIndex == 0, "a term-2 entry must not commit by counting replicas")
        // Once the term-5 noop is on a majority, both commit.
        ack(2, 3)
        ack(3, 3)
        #expect(c[1].commitIndex == 3)
    }

    @Test func theConsistencyCheckRejectsAndTheSuffixIsTruncated() {
        var follower = RaftNode(config: RaftConfig(id: 2, voters: [1, 2, 3]), hardState: HardState(term: 2),
                                entries: [Entry(index: 1, term: 1, kind: .noop), Entry(index: 2, term: 2, kind: .noop), Entry(index: 3, term: 2, kind: .noop)])
        follower.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(term: 3, prevLogIndex: 3, prevLogTerm: 3, leaderCommit: 0))))
        guard case .appendResponse(let reject) = follower.takeReady().messages.first?.message else { Issue.record("no reply"); return }
        #expect(!reject.success && reject.index == 3)
        #expect(reject.hint == ConflictHint(index: 3, term: 2), "skip straight past term 2")
        follower.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(
            term: 3, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 0, entries: [LogEntry(term: 3, kind: .noop)]))))
        let ready = follower.takeReady()
        #expect(follower.entries.map(\.term) == [1, 3])
        #expect(ready.entriesToPersist.map(\.index) == [2], "disk is cut after index 1")
    }

    @Test func aFollowerCutOffTakesTheHeartbeatsCommitOnlyForWhatItHolds() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.isolate(3)
        c.propose(1, tag: 1)
        c.propose(1, tag: 2)
        // 3 misses the appends but hears a heartbeat carrying commit index 3.
        c.cut.remove([1, 3])
        c.filter = { !($0.to == 3 && $0.message.appendEntries?.entries.isEmpty == false) }
        c.tick(1)
        #expect(c.messages(from: 1, to: 3) { $0.appendEntries?.leaderCommit == 3 }.count >= 1)
        #expect(c[3].lastIndex == 1 && c[3].commitIndex == 1, "it commits only the entry it holds")
    }

    @Test func fastBacktrackingNeedsFewRoundTrips() {
        // Follower 2 has 50 entries of a stale term; the leader's log diverges at index 2.
        var c = TestCluster([1, 2, 3]) { $0.preVote = false }
        c.setLog(1, terms: [1] + Array(repeating: 3, count: 40), term: 3)
        c.setLog(3, terms: [1] + Array(repeating: 3, count: 40), term: 3)
        c.setLog(2, terms: [1] + Array(repeating: 2, count: 50), term: 3)
        c.campaign(1)
        c.tickAll(3)
        #expect(c[2].entries.map(\.term) == c[1].entries.map(\.term))
        let rejections = c.messages(from: 2, to: 1) {
            if case .appendResponse(let r) = $0 { !r.success } else { false }
        }
        #expect(rejections.count <= 2, "one hint skips the whole stale term (\(rejections.count) rejections)")
    }

    @Test func reorderedDuplicatedAndStaleResponsesDoNotMoveProgressBack() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.propose(1, tag: 1)
        c.propose(1, tag: 2)
        let match = c[1].progress[2]!.match
        #expect(match == 3)
        // An old success, a duplicate and a stale rejection arrive late.
        c[1].step(Envelope(from: 2, to: 1, .appendResponse(AppendResponse(term: 1, success: true, index: 1, handlingMicros: 0))))
        c[1].step(Envelope(from: 2, to: 1, .appendResponse(AppendResponse(term: 1, success: true, index: 3, handlingMicros: 0))))
        c[1].step(Envelope(from: 2, to: 1, .appendResponse(AppendResponse(term: 1, success: false, index: 1, handlingMicros: 0))))
        #expect(c[1].progress[2]!.match == 3)
        #expect(c[1].progress[2]!.state == .replicate)
        #expect(c[1].commitIndex == 3)
    }

    @Test func probeSendsOneAppendAtATimeAndReplicatePipelinesUpToTheWindow() {
        var c = TestCluster([1, 2, 3]) { $0.maxInflightAppends = 3; $0.maxEntriesPerAppend = 1; $0.appendRetryTicks = 100 }
        c.isolate(2)
        c.campaign(1)
        // Node 2 never answered: it stays in probe, one append out.
        for tag in 1...5 { c.propose(1, tag: UInt64(tag)) }
        let probes = c.messages(from: 1, to: 2) { $0.appendEntries?.entries.isEmpty == false }
        #expect(c[1].progress[2]!.state == .probe)
        #expect(probes.count <= 2, "probe: one append per answer or heartbeat (\(probes.count))")
        // Node 3 answered and replicates; when it stops answering, at most 3 are in flight.
        c.heal()
        c.tickAll(2)
        c.cut.insert([3, 1])
        let before = c.messages(from: 1, to: 3) { $0.appendEntries?.entries.isEmpty == false }.count
        for tag in 6...15 { c.propose(1, tag: UInt64(tag)) }
        let after = c.messages(from: 1, to: 3) { $0.appendEntries?.entries.isEmpty == false }.count
        #expect(c[1].progress[3]!.state == .replicate)
        #expect(after - before == 3, "window of 3 appends in flight")
        // Answers resume: the rest flows.
        c.heal()
        c.tickAll(102)
        #expect(c[3].lastIndex == c[1].lastIndex)
        #expect(c[2].lastIndex == c[1].lastIndex)
    }

    @Test func aRestartedNodeRecoversItsLogAndCatchesUp() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.propose(1, tag: 1)
        c.restart(2)
        #expect(c[2].lastIndex == 2 && c[2].term == 1)
        c.propose(1, tag: 2)
        c.tickAll(2)
        #expect(c[2].lastIndex == 3)
        #expect(c.applied[2]!.map(\.index) == [1, 2, 3], "re-applies from the start after a restart")
    }
}
