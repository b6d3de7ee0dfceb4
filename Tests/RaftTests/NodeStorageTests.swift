import Foundation
import Testing
import Wire
@testable import Raft

/// A node's real disk round trip: Ready → NodeStorage → restart → the same node.
@Suite struct NodeStorageTests {
    static func config(_ id: NodeID, _ voters: [NodeID]) -> RaftConfig {
        var c = RaftConfig(id: id, voters: voters)
        c.compactAfterEntries = 4
        return c
    }

    static func drain(_ node: inout RaftNode, into storage: NodeStorage) throws -> [Envelope] {
        let ready = node.takeReady()
        try storage.persist(ready)
        return ready.messages
    }

    @Test func aSingleNodeRestartsFromDiskWithItsLogAndSnapshot() throws {
        let dir = WriteAheadLogTests.tempDirectory()
        var (storage, recovered) = try NodeStorage.open(directory: dir)
        var node = RaftNode(config: Self.config(1, [1]), hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries)
        node.campaign()
        for tag in 1...6 {
            _ = node.propose(Proposal(tag: UInt64(tag), kind: .decision, payload: [UInt8(tag)]))
            _ = try Self.drain(&node, into: storage)
        }
        #expect(node.compactionDue)
        let taken = node.compact(through: node.appliedIndex, data: Array("applied 7".utf8))
        let snapshot = try #require(taken)
        try storage.saveSnapshot(snapshot)
        _ = node.propose(Proposal(tag: 8, kind: .decision, payload: [8]))
        _ = try Self.drain(&node, into: storage)

        (storage, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.snapshot == snapshot)
        #expect(recovered.entries.map(\.index) == [8])
        #expect(recovered.hardState.term == 1 && recovered.hardState.vote == 1)
        let restarted = RaftNode(config: Self.config(1, [1]), hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries)
        #expect(restarted.lastIndex == 8 && restarted.term == 1 && restarted.commitIndex == 8)
        #expect(restarted.entries.map(\.payload) == [[8]])
    }

    @Test func aReceivedSnapshotReplacesTheLogOnDisk() throws {
        let dir = WriteAheadLogTests.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        var follower = RaftNode(config: Self.config(2, [1, 2]))
        // An old, conflicting entry on disk first.
        follower.step(Envelope(from: 1, to: 2, .appendEntries(AppendEntries(
            term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, entries: [LogEntry(term: 1, kind: .noop), LogEntry(term: 1, kind: .decision, payload: [1])]))))
        _ = try Self.drain(&follower, into: storage)
        let snapshot = Snapshot(position: LogPosition(index: 10, term: 3), membership: Membership(voters: [1, 2]), data: [42])
        follower.step(Envelope(from: 1, to: 2, .installSnapshot(InstallSnapshot(
            term: 3, lastIncludedIndex: 10, lastIncludedTerm: 3, offset: 0, done: true, data: snapshot.transferBytes()))))
        _ = try Self.drain(&follower, into: storage)
        let (_, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.snapshot == snapshot)
        #expect(recovered.entries.isEmpty, "the conflicting entries are gone")
        #expect(recovered.hardState.commit == 10 && recovered.hardState.term == 3)
    }

    @Test func aDamagedSnapshotFileIsAnErrorNotAnEmptyNode() throws {
        let dir = WriteAheadLogTests.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        try storage.saveSnapshot(Snapshot(position: LogPosition(index: 3, term: 1), membership: Membership(voters: [1]), data: [1, 2, 3]))
        let path = storage.snapshots.path
        var bytes = try #require(try DiskFile.readAll(path))
        bytes[bytes.count - 6] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.corrupt(path: path, offset: bytes.count - 4, reason: "checksum mismatch")) {
            try NodeStorage.open(directory: dir)
        }
    }

    @Test func aLeftoverTemporaryFileDoesNotReplaceTheSnapshot() throws {
        let dir = WriteAheadLogTests.tempDirectory()
        let (storage, _) = try NodeStorage.open(directory: dir)
        let snapshot = Snapshot(position: LogPosition(index: 3, term: 1), membership: Membership(voters: [1]), data: [7])
        try storage.saveSnapshot(snapshot)
        // A crash mid-save leaves only a temporary file behind.
        #expect(FileManager.default.createFile(atPath: storage.snapshots.path + ".tmp", contents: Data([1, 2])))
        let (_, recovered) = try NodeStorage.open(directory: dir)
        #expect(recovered.snapshot == snapshot)
    }
}
