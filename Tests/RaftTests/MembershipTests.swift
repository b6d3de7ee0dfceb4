import NetworkModel
import Testing
import Wire
@testable import Raft

@Suite struct MembershipTests {
    @Test func aNewNodeJoinsAsLearnerThenVoter() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.propose(1, tag: 1)
        c.addNode(4, voters: [1, 2, 3])
        #expect(c[1].changeMembership(.addLearner(4)) == .appended(index: 3, term: 1))
        c.settle()
        c.tickAll(3)
        #expect(c[4].membership == Membership(voters: [1, 2, 3], learners: [4]))
        #expect(c[4].lastIndex == c[1].lastIndex, "a learner receives the log")
        // A learner never campaigns.
        for _ in 0..<40 { c[4].tick() }
        #expect(c[4].role == .follower && c[4].takeReady().messages.isEmpty)
        c.settle()
        #expect(c[1].changeMembership(.addVoter(4)) == .appended(index: 4, term: 1))
        c.settle()
        c.tickAll(2)
        #expect(c[1].membership.voters == [1, 2, 3, 4])
        // With four voters, three must agree: 1 and 2 alone cannot commit.
        c.isolate(3)
        c.isolate(4)
        c.propose(1, tag: 2)
        #expect(c[1].commitIndex == 4)
        c.heal()
        c.tickAll(4)
        #expect(c[1].commitIndex == 5)
    }

    @Test func changesGoOneAtATime() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.isolate(2)
        c.isolate(3)
        #expect(c[1].changeMembership(.addLearner(4)) == .appended(index: 2, term: 1))
        #expect(c[1].changeMembership(.addLearner(5)) == .dropped(.changeInProgress))
        #expect(c[1].changeMembership(.remove(9)) == .dropped(.changeInProgress))
        c.heal()
        c.tickAll(4)
        #expect(c[1].changeMembership(.remove(9)) == .dropped(.invalidChange))
        #expect(c[2].changeMembership(.addLearner(5)) == .dropped(.notLeader))
    }

    @Test func removingAFollowerShrinksTheQuorum() {
        var c = TestCluster([1, 2, 3, 4])
        c.campaign(1)
        #expect(c[1].changeMembership(.remove(4)) == .appended(index: 2, term: 1))
        c.settle()
        c.tickAll(2)
        c.isolate(3)
        c.isolate(4)
        // Voters are 1, 2, 3 now: 1 and 2 are a majority.
        c.propose(1, tag: 1)
        #expect(c[1].commitIndex == 3)
    }

    @Test func removingTheLeaderHandsOver() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        #expect(c[1].changeMembership(.remove(1)) == .appended(index: 2, term: 1))
        c.settle()
        #expect(c[1].role == .follower, "steps down once its removal commits")
        #expect(c[2].membership.voters == [2, 3])
        for _ in 0..<60 where c.leaders.filter({ $0 != 1 }).isEmpty { c.tickAll() }
        let leaders = c.leaders
        #expect(leaders.count == 1 && leaders != [1])
        c.propose(leaders[0], tag: 5)
        #expect(c[leaders[0]].commitIndex == c[leaders[0]].lastIndex)
        // The removed node never campaigns again.
        #expect(!c[1].isVoter)
    }

    @Test func aCutMembershipEntryIsUndone() {
        var node = RaftNode(config: RaftConfig(id: 2, voters: [1, 2, 3]))
        let grown = Membership(voters: [1, 2, 3], learners: [4]).encoded()
        node.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(
            term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0,
            entries: [LogEntry(term: 1, kind: .noop), LogEntry(term: 1, kind: .membership, payload: grown)]))))
        #expect(node.membership.learners == [4])
        // A leader of term 2 overwrites index 2.
        node.step(Envelope(from: 3, to: 2, .appendEntries(AppendEntries(
            term: 2, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 0, entries: [LogEntry(term: 2, kind: .noop)]))))
        #expect(node.membership == Membership(voters: [1, 2, 3]))
    }

    @Test func membershipEncodingRoundTripsAndRejectsJunk() throws {
        let m = Membership(voters: [3, 1, 2], learners: [9])
        #expect(try Membership.decode(m.encoded()) == m)
        #expect(throws: WireError.self) { try Membership.decode([2, 0, 0]) }
        #expect(throws: WireError.self) { try Membership.decode(m.encoded() + [0]) }
    }
}

/// The membership payload has one encoding: ids ascending, none twice, no learner a voter.
@Suite struct MembershipEncodingTests {
    @Test func onlyTheCanonicalFormDecodes() throws {
        // version 1, voters [1, 2, 3], learners [9]
        #expect(try Membership.decode([1, 3, 1, 2, 3, 1, 9]) == Membership(voters: [1, 2, 3], learners: [9]))
        #expect(throws: WireError(.valueOutOfRange(1), at: 4, field: "voter")) { try Membership.decode([1, 3, 2, 3, 1, 0]) }
        #expect(throws: WireError(.valueOutOfRange(2), at: 3, field: "voter")) { try Membership.decode([1, 2, 2, 2, 0]) }
        #expect(throws: WireError(.valueOutOfRange(2), at: 5, field: "learner")) { try Membership.decode([1, 2, 1, 2, 1, 2]) }
        #expect(throws: WireError(.valueOutOfRange(4), at: 5, field: "learner")) { try Membership.decode([1, 1, 1, 2, 5, 4]) }
        #expect(throws: WireError(.lengthOverLimit(length: 257, limit: 256), at: 1, field: "voter count")) {
            try Membership.decode([1, 0x81, 0x02])
        }
    }
}

/// A membership entry may carry, after the membership, the application's record of the node
/// the change adds: opaque to Raft, bounded, in the same entry (so atomic with the change).
@Suite struct MembershipRecordTests {
    @Test func theRecordRidesAfterTheMembershipLengthPrefixed() throws {
        let m = Membership(voters: [1, 2, 3], learners: [7])
        // Golden: membership 01 03 01 02 03 01 07, then record length 02 and its bytes.
        #expect(Hex.string(m.entryPayload(record: [0xAA, 0xBB])) == "0103010203010702aabb")
        let decoded = try Membership.decodeEntry(Hex.parse("0103010203010702aabb"))
        #expect(decoded.membership == m && decoded.record == [0xAA, 0xBB])
        // No record: the membership alone, as before.
        #expect(m.entryPayload(record: nil) == m.encoded() && m.entryPayload(record: []) == m.encoded())
        #expect(try Membership.decodeEntry(m.encoded()).record == nil)
    }

    @Test func aRecordOutOfBoundsOrFormIsRefused() {
        let m = Membership(voters: [1]).encoded()
        #expect(throws: WireError(.lengthOverLimit(length: 257, limit: 256), at: 4, field: "membership record")) {
            try Membership.decodeEntry(m + [0x81, 0x02] + [UInt8](repeating: 0, count: 257))
        }
        #expect(throws: WireError(.valueOutOfRange(0), at: 4, field: "membership record")) { try Membership.decodeEntry(m + [0]) }
        #expect(throws: WireError(.truncated, at: 5, field: "membership record")) { try Membership.decodeEntry(m + [3, 1]) }
        #expect(throws: WireError(.trailingBytes(count: 1), at: 6, field: "membership entry")) { try Membership.decodeEntry(m + [1, 1, 9]) }
    }

    /// Any bytes: the entry decoder rejects them with a WireError or decodes the one form
    /// that encodes back to them (what the Wire fuzzers check for Wire's decoders).
    @Test func randomEntryPayloadsNeverTrapAndDecodeCanonically() {
        var rng = SeededRandom(seed: 11)
        let valid = Membership(voters: [1, 2, 3], learners: [7]).entryPayload(record: [1, 2, 3])
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                // Mutations of a valid payload: the interesting inputs are near it.
                bytes = valid
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
                if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            }
            guard let decoded = try? Membership.decodeEntry(bytes) else { continue }
            #expect(decoded.membership.entryPayload(record: decoded.record) == bytes, "\(Hex.string(bytes))")
        }
    }

    @Test func theLeaderAppendsTheRecordWithTheChangeAndEveryNodeTakesTheMembership() {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        c.addNode(4, voters: [1, 2, 3])
        #expect(c[1].changeMembership(.addLearner(4), record: [UInt8](repeating: 1, count: 257)) == .dropped(.invalidChange))
        #expect(c[1].changeMembership(.addLearner(4), record: [5, 6]) == .appended(index: 2, term: 1))
        c.settle()
        c.tickAll(3)
        for id: NodeID in [1, 2, 3, 4] {
            #expect(c[id].membership == Membership(voters: [1, 2, 3], learners: [4]), "node \(id)")
            let entry = c[id].entries.last { $0.kind == .membership }
            #expect(entry.flatMap { try? Membership.decodeEntry($0.payload).record } == [5, 6], "node \(id)")
        }
    }
}
