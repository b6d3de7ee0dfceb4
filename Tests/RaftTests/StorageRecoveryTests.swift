import Foundation
import NetworkModel
import Testing
import Wire
@testable import Raft

/// Histories that real nodes produce — overwritten suffixes, received snapshots,
/// compactions, interrupted saves — recover to exactly what was stored.
@Suite struct StorageRecoveryTests {
    typealias T = WriteAheadLogTests

    /// Issue 9, defect 1: a truncation followed by a compaction past it refused to reopen
    /// ("truncation to 10 behind the compaction at 20").
    @Test func aTruncationThenACompactionPastItReopens() throws {
        let dir = T.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        try storage.persist(Self.ready(HardState(term: 1, vote: 1, commit: 0), T.entries(1...20, term: 1)))
        try storage.persist(Self.ready(HardState(term: 2, vote: 2, commit: 20), T.entries(11...25, term: 2)))
        let snapshot = Snapshot(position: LogPosition(index: 20, term: 2), membership: Membership(voters: [1, 2, 3]), data: [20])
        try storage.saveSnapshot(snapshot)
        let (_, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.snapshot == snapshot)
        #expect(recovered.entries == T.entries(21...25, term: 2))
        #expect(recovered.hardState == HardState(term: 2, vote: 2, commit: 20))
    }

    /// Defect 1, second form: a received snapshot, appends after it, then a local snapshot.
    @Test func aReceivedSnapshotThenALocalCompactionReopens() throws {
        let dir = T.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        var ready = Ready()
        ready.snapshotToInstall = Snapshot(position: LogPosition(index: 100, term: 3), membership: Membership(voters: [1, 2, 3]), data: [100])
        ready.hardState = HardState(term: 3, vote: nil, commit: 100)
        try storage.persist(ready)
        try storage.persist(Self.ready(HardState(term: 3, vote: nil, commit: 130), T.entries(101...130, term: 3)))
        let local = Snapshot(position: LogPosition(index: 120, term: 3), membership: Membership(voters: [1, 2, 3]), data: [120])
        try storage.saveSnapshot(local)
        let (_, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.snapshot == local)
        #expect(recovered.entries == T.entries(121...130, term: 3))
    }

    /// Random valid histories — appends, overwritten suffixes, compactions, received
    /// snapshots, small segments — always reopen to the log a node would hold.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomValidHistoriesReopen(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let dir = T.tempDirectory()
        let options = WriteAheadLog.Options(segmentBytes: seed % 2 == 0 ? 600 : 16 * 1024 * 1024)
        var (storage, _) = try NodeStorage.open(directory: dir, options: options)
        var expected: [Entry] = []
        var base = LogPosition.zero
        var term: UInt64 = 1
        var commit: UInt64 = 0
        for step in 0..<60 {
            let last = expected.last?.index ?? base.index
            switch rng.next() % 6 {
            case 0, 1:
                let count = 1 + rng.next() % 5
                let new = T.entries((last + 1)...(last + count), term: term)
                expected += new
                try storage.persist(Self.ready(HardState(term: term, vote: NodeID(term % 3 + 1), commit: commit), new))
            case 2:
                // A new leader overwrites an uncommitted suffix.
                guard last > commit + 1 else { continue }
                term += 1
                let from = commit + 1 + rng.next() % (last - commit)
                let new = T.entries(from...(from + rng.next() % 4), term: term)
                expected = expected.filter { $0.index < from } + new
                try storage.persist(Self.ready(HardState(term: term, vote: NodeID(term % 3 + 1), commit: commit), new))
            case 3:
                // Commit and compact part of what is committed.
                commit = last
                try storage.persist(Self.ready(HardState(term: term, vote: NodeID(term % 3 + 1), commit: commit), []))
                guard commit > base.index else { continue }
                let through = base.index + 1 + rng.next() % (commit - base.index)
                let position = LogPosition(index: through, term: expected.first { $0.index == through }?.term ?? base.term)
                try storage.saveSnapshot(Snapshot(position: position, membership: Membership(voters: [1, 2, 3]), data: [UInt8(step)]))
                expected.removeAll { $0.index <= through }
                base = position
            case 4:
                // A snapshot from the leader, past everything here.
                term += 1
                base = LogPosition(index: last + 1 + rng.next() % 10, term: term)
                commit = base.index
                expected = []
                var ready = Ready()
                ready.snapshotToInstall = Snapshot(position: base, membership: Membership(voters: [1, 2, 3]), data: [UInt8(step)])
                ready.hardState = HardState(term: term, vote: NodeID(term % 3 + 1), commit: commit)
                try storage.persist(ready)
            default:
                let recovered: NodeStorage.Recovered
                (storage, recovered) = try NodeStorage.open(directory: dir, options: options)
                #expect(recovered.entries == expected, "step \(step)")
            }
        }
        let (_, recovered) = try NodeStorage.open(directory: dir, options: options)
        #expect(recovered.entries == expected)
        #expect((recovered.snapshot?.position ?? .zero) == base)
        #expect(recovered.hardState.term == term)
    }

    /// Issue 9, defect 3: a crash after the snapshot file was written but before the log
    /// recorded it kept entries 11…15 of term 1 after a snapshot at 10 of term 3.
    @Test func entriesThatDisagreeWithTheSnapshotAreDropped() throws {
        let dir = T.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        try storage.persist(Self.ready(HardState(term: 1, vote: 1, commit: 0), T.entries(1...15, term: 1)))
        let snapshot = Snapshot(position: LogPosition(index: 10, term: 3), membership: Membership(voters: [1, 2, 3]), data: [10])
        // The crash: only the snapshot file is written.
        try storage.snapshots.save(snapshot)
        let (_, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.snapshot == snapshot)
        #expect(recovered.entries.isEmpty, "entries of term 1 after a snapshot of term 3 conflict with it")
        let node = RaftNode(config: RaftConfig(id: 1, voters: [1, 2, 3]), hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries)
        #expect(node.lastTerm == 3 && node.lastIndex == 10)
        // And the log on disk agrees from now on.
        let (_, again) = try NodeStorage.open(directory: dir)
        #expect(again.entries.isEmpty)
    }

    /// The same crash where the log agrees with the snapshot keeps the entries after it.
    @Test func entriesThatAgreeWithTheSnapshotStay() throws {
        let dir = T.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        try storage.persist(Self.ready(HardState(term: 1, vote: 1, commit: 12), T.entries(1...15, term: 1)))
        let snapshot = Snapshot(position: LogPosition(index: 10, term: 1), membership: Membership(voters: [1, 2, 3]), data: [10])
        try storage.snapshots.save(snapshot)
        let (_, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.entries == T.entries(11...15, term: 1))
    }

    static func ready(_ hardState: HardState?, _ entries: [Entry]) -> Ready {
        var ready = Ready()
        ready.hardState = hardState
        ready.entriesToPersist = entries
        return ready
    }
}
