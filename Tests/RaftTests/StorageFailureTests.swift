import Testing
import Wire
@testable import Raft
import RaftSimulation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A write or fsync that fails leaves the log as it was before the batch and refuses
/// every write until reopened; directories are durable once created.
@Suite struct StorageFailureTests {
    typealias T = WriteAheadLogTests

    /// Issue 9, defect 5: after a short write (ENOSPC) the partial bytes stayed and a later
    /// save was acknowledged behind them; the next reopen read them as corruption.
    @Test(arguments: [
        SimulatedFileSystem.Fault.write(errno: ENOSPC, afterBytes: 10),
        .write(errno: EFBIG, afterBytes: 0),
        .write(errno: ENOSPC, afterBytes: 300),
        .sync(errno: EIO),
    ])
    func aFailedWriteIsTrimmedAndTheLogRefusesWritesUntilReopened(fault: SimulatedFileSystem.Fault) throws {
        let fs = SimulatedFileSystem(seed: 1)
        let (wal, _) = try WriteAheadLog.open(directory: "/wal", fileSystem: fs)
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: T.entries(1...3, term: 1))
        let path = wal.segmentPaths[0]
        let good = try #require(try fs.readAll(path, limit: .max)).count
        fs.inject(fault)
        #expect(throws: StorageError.self) { try wal.save(hardState: HardState(term: 1, vote: 1, commit: 3), entries: T.entries(4...6, term: 1)) }
        #expect(try fs.readAll(path, limit: .max)?.count == good, "trimmed back to the last good record")
        #expect(wal.failure != nil)
        #expect(throws: StorageError.self) { try wal.save(hardState: nil, entries: T.entries(4...4, term: 1)) }
        #expect(throws: StorageError.self) { try wal.compact(through: LogPosition(index: 2, term: 1)) }
        #expect(try fs.readAll(path, limit: .max)?.count == good, "nothing written after the failure")
        let (reopened, recovered) = try WriteAheadLog.open(directory: "/wal", fileSystem: fs)
        #expect(recovered.entries == T.entries(1...3, term: 1))
        try reopened.save(hardState: nil, entries: T.entries(4...4, term: 1))
        let (_, again) = try WriteAheadLog.open(directory: "/wal", fileSystem: fs)
        #expect(again.entries == T.entries(1...4, term: 1))
    }

    /// A failed roll (the new segment's write fails) leaves the log usable after a reopen.
    @Test func aFailedRollRefusesWritesAndReopensClean() throws {
        let fs = SimulatedFileSystem(seed: 2)
        let options = WriteAheadLog.Options(segmentBytes: 200)
        let (wal, _) = try WriteAheadLog.open(directory: "/wal", options: options, fileSystem: fs)
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: T.entries(1...5, term: 1))
        fs.inject(.write(errno: ENOSPC, afterBytes: 3))
        #expect(throws: StorageError.self) { try wal.save(hardState: nil, entries: T.entries(6...6, term: 1)) }
        #expect(throws: StorageError.self) { try wal.save(hardState: nil, entries: T.entries(6...6, term: 1)) }
        let (reopened, recovered) = try WriteAheadLog.open(directory: "/wal", options: options, fileSystem: fs)
        #expect(recovered.entries == T.entries(1...5, term: 1))
        try reopened.save(hardState: nil, entries: T.entries(6...6, term: 1))
        #expect(reopened.segmentPaths.count == 2)
    }

    /// NodeStorage says it failed, so the node can stop (`RaftNode.storageFailed()`).
    @Test func nodeStorageReportsItsFailure() throws {
        let fs = SimulatedFileSystem(seed: 3)
        let (storage, _) = try NodeStorage.open(directory: "/node", fileSystem: fs)
        #expect(storage.failure == nil)
        fs.inject(.sync(errno: EIO))
        var ready = Ready()
        ready.hardState = HardState(term: 2, vote: 1, commit: 0)
        #expect(throws: StorageError.self) { try storage.persist(ready) }
        #expect(storage.failure != nil)
    }

    /// Issue 9, defect 9: creating the node's and the log's directories was not fsynced in
    /// their parents, so a crash could take the whole directory with acknowledged entries.
    @Test(arguments: Array(UInt64(1)...20))
    func aCrashAfterTheFirstSaveKeepsTheDirectories(seed: UInt64) throws {
        let fs = SimulatedFileSystem(seed: seed)
        try fs.makeDirectory("/data")
        try fs.syncDirectory("/")
        let (storage, _) = try NodeStorage.open(directory: "/data/node", fileSystem: fs)
        var ready = Ready()
        ready.hardState = HardState(term: 1, vote: 1, commit: 0)
        ready.entriesToPersist = T.entries(1...2, term: 1)
        try storage.persist(ready)
        fs.crash()
        let (_, recovered) = try NodeStorage.open(directory: "/data/node", fileSystem: fs)
        #expect(recovered.entries == T.entries(1...2, term: 1))
        #expect(recovered.hardState == HardState(term: 1, vote: 1, commit: 0))
    }
}
