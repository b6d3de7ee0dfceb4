import Node
import Raft
import Testing
import Transport
import Wire

/// The roster a node derives from its log: configured members, members the log added with
/// their records, minus members it removed; a cut add drops out again.
@Suite struct LiveRosterTests {
    static func entry(_ port: Int) -> RosterEntry {
        // swiftlint:disable:next force_try
        try! RosterEntry(address: "10.0.0.1:\(port)", publicKey: nil)
    }

    static let configured: [NodeID: RosterEntry] = [2: entry(7002), 3: entry(7003)]
    static let start = Membership(voters: [1, 2, 3])
    static let key = NodePublicKey(bytes: [UInt8](repeating: 9, count: 32))

    static func record(_ id: NodeID, port: Int, key: NodePublicKey? = nil) -> [UInt8] {
        MemberRecord(node: id, address: "10.0.0.4:\(port)", publicKey: key?.bytes).encoded()
    }

    static func change(_ index: UInt64, _ membership: Membership, record: [UInt8]? = nil) -> Entry {
        Entry(index: index, term: 1, kind: .membership, payload: membership.entryPayload(record: record))
    }

    static let addFour = change(2, Membership(voters: [1, 2, 3], learners: [4]), record: record(4, port: 7004, key: key))
    static let promoteFour = change(3, Membership(voters: [1, 2, 3, 4]))
    static let removeTwo = change(4, Membership(voters: [1, 3, 4]))

    func derive(_ membership: Membership, _ entries: [Entry], me: NodeID = 1) -> [NodeID: RosterEntry] {
        LiveRoster.derive(me: me, configured: Self.configured, initial: Self.start, membership: membership, entries: entries).roster
    }

    @Test func anAddedLearnerIsInTheRosterAtItsRecord() throws {
        let roster = derive(Membership(voters: [1, 2, 3], learners: [4]), [Entry(index: 1, term: 1, kind: .noop), Self.addFour])
        #expect(Set(roster.keys) == [2, 3, 4])
        #expect(roster[4]?.addressText == "10.0.0.4:7004")
        #expect(roster[4]?.publicKey == Self.key)
        #expect(LiveRoster.changes(from: Self.configured, to: roster) == [.add(4, try #require(roster[4]))])
    }

    @Test func aPromotionKeepsTheRecordAndChangesNothing() {
        let learner = derive(Membership(voters: [1, 2, 3], learners: [4]), [Self.addFour])
        let voter = derive(Membership(voters: [1, 2, 3, 4]), [Self.addFour, Self.promoteFour])
        #expect(voter == learner)
        #expect(LiveRoster.changes(from: learner, to: voter).isEmpty)
    }

    @Test func aRemovedMemberIsRevoked() {
        let before = derive(Membership(voters: [1, 2, 3, 4]), [Self.addFour, Self.promoteFour])
        let after = derive(Membership(voters: [1, 3, 4]), [Self.addFour, Self.promoteFour, Self.removeTwo])
        #expect(Set(after.keys) == [3, 4])
        #expect(LiveRoster.changes(from: before, to: after) == [.revoke(2)])
    }

    /// Raft's rule: the add counts from its append; when a new leader cuts it, the
    /// membership goes back and so does the roster.
    @Test func aCutAddIsRevokedAgain() {
        let appended = derive(Membership(voters: [1, 2, 3], learners: [4]), [Entry(index: 1, term: 1, kind: .noop), Self.addFour])
        let cut = derive(Self.start, [Entry(index: 1, term: 1, kind: .noop), Entry(index: 2, term: 2, kind: .noop)])
        #expect(cut == Self.configured)
        #expect(LiveRoster.changes(from: appended, to: cut) == [.revoke(4)])
    }

    @Test func aReAddedNodeTakesItsNewestRecord() {
        let readd = Self.change(5, Membership(voters: [1, 2, 3], learners: [4]), record: Self.record(4, port: 9000))
        let removed = Self.change(3, Self.start)
        let roster = derive(Membership(voters: [1, 2, 3], learners: [4]), [Self.addFour, removed, readd])
        #expect(roster[4]?.addressText == "10.0.0.4:9000")
        #expect(roster[4]?.publicKey == nil)
    }

    @Test func thisNodeIsNeverInItsOwnRoster() {
        let roster = derive(Membership(voters: [1, 2, 3], learners: [4]), [Self.addFour], me: 4)
        #expect(Set(roster.keys) == [2, 3])
    }

    @Test func badRecordsAreSkippedWithAReason() {
        let wildcard = Self.change(2, Membership(voters: [1, 2, 3], learners: [4]), record: MemberRecord(node: 4, address: "0.0.0.0:7", publicKey: nil).encoded())
        let stranger = Self.change(2, Membership(voters: [1, 2, 3], learners: [4]), record: Self.record(9, port: 7009))
        let garbage = Self.change(2, Membership(voters: [1, 2, 3], learners: [4]), record: [0xFF])
        for entry in [wildcard, stranger, garbage] {
            let (roster, problems) = LiveRoster.derive(me: 1, configured: Self.configured, initial: Self.start, membership: Membership(voters: [1, 2, 3], learners: [4]), entries: [entry])
            #expect(roster[4] == nil)
            #expect(problems.count == 1)
        }
        #expect(LiveRoster.record(Self.record(4, port: 7), in: Membership(voters: [4])).map { $0.0 } == .success(4))
    }

    /// A record counts only for the node its entry adds: a promotion (or an add of another
    /// node) carrying a record of member 2 cannot move node 2.
    @Test func aRecordNamingANodeTheEntryDoesNotAddIsIgnored() {
        let movedTwo = MemberRecord(node: 2, address: "10.0.0.9:9", publicKey: nil).encoded()
        let promoteWithRecord = Self.change(3, Membership(voters: [1, 2, 3, 4]), record: movedTwo)
        let (roster, problems) = LiveRoster.derive(
            me: 1, configured: Self.configured, initial: Self.start, membership: Membership(voters: [1, 2, 3, 4]),
            entries: [Self.addFour, promoteWithRecord])
        #expect(roster[2] == Self.configured[2])
        #expect(roster[4]?.addressText == "10.0.0.4:7004")
        #expect(problems.count == 1)
    }

    /// A removal revokes only once it commits: until then the removed node stays.
    @Test func aPendingRemovalKeepsTheNodeUntilItCommits() {
        let pending = LiveRoster.derive(
            me: 1, configured: Self.configured, initial: Self.start, membership: Membership(voters: [1, 3]),
            committed: Self.start, entries: [Self.change(2, Membership(voters: [1, 3]))]).roster
        #expect(Set(pending.keys) == [2, 3])
    }
}
