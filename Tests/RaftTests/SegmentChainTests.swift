import Foundation
import Testing
import Wire
@testable import Raft

/// Segments form a chain: each starts with a header naming its sequence and the last
/// record of its predecessor, carrying the hard state and compaction mark of its time.
/// A roll is atomic, and what does not chain is refused.
@Suite struct SegmentChainTests {
    typealias T = WriteAheadLogTests
    static let small = WriteAheadLog.Options(segmentBytes: 4096)

    /// Fills segments of 4 KiB with entries 1…`count`, the term rising by one per 10 entries.
    static func build(_ dir: String, count: UInt64 = 200) throws -> WriteAheadLog {
        let (wal, _) = try WriteAheadLog.open(directory: dir, options: small)
        for first in stride(from: UInt64(1), through: count, by: 10) {
            let term = first / 10 + 1
            try wal.save(hardState: HardState(term: term, vote: 1, commit: first - 1), entries: T.entries(first...(first + 9), term: term, size: 100))
        }
        return wal
    }

    /// Issue 9, defect 2: a next segment whose header was lost (here: empty or 5 bytes)
    /// was appended to headerless; a compaction then deleted the only segment holding the
    /// hard state, and the next restart had term 0 and no vote.
    @Test(arguments: [0, 5])
    func aLostRollHeaderNeverLosesTheVote(length: Int) throws {
        let dir = T.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir, options: Self.small)
        try wal.save(hardState: HardState(term: 7, vote: 3, commit: 0), entries: T.entries(1...40, term: 7, size: 60))
        let last = try #require(WriteAheadLog.listSegments(dir).last)
        #expect(FileManager.default.createFile(
            atPath: dir + "/" + WriteAheadLog.segmentName(last + 1), contents: Data([UInt8](repeating: 1, count: length))))
        let (reopened, first) = try WriteAheadLog.open(directory: dir, options: Self.small)
        #expect(first.hardState == HardState(term: 7, vote: 3, commit: 0))
        try reopened.compact(through: LogPosition(index: 40, term: 7))
        let (_, second) = try WriteAheadLog.open(directory: dir, options: Self.small)
        #expect(second.hardState.term == 7 && second.hardState.vote == 3)
        #expect(second.compacted == LogPosition(index: 40, term: 7))
    }

    /// After rolls and compactions the oldest live segment still carries the hard state.
    @Test func compactionKeepsTheHardStateAcrossRolls() throws {
        let dir = T.tempDirectory()
        let wal = try Self.build(dir)
        try wal.save(hardState: HardState(term: 20, vote: 1, commit: 200), entries: [])
        try wal.compact(through: LogPosition(index: 200, term: 20))
        #expect(wal.segmentPaths.count == 1)
        let (_, recovered) = try WriteAheadLog.open(directory: dir, options: Self.small)
        #expect(recovered.hardState == HardState(term: 20, vote: 1, commit: 200))
        #expect(recovered.entries.isEmpty && recovered.compacted.index == 200)
    }

    static let tiny = WriteAheadLog.Options(segmentBytes: 300)

    /// Segments of 300 bytes that hold little but hard states, the term rising with each:
    /// the entries alone cannot tell their order.
    static func buildHardStates(_ dir: String) throws {
        let (wal, _) = try WriteAheadLog.open(directory: dir, options: tiny)
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: T.entries(1...3, term: 1, size: 10))
        for term in UInt64(2)...100 {
            try wal.save(hardState: HardState(term: term, vote: 1, commit: 3), entries: [])
        }
    }

    static func segmentFiles(_ dir: String) throws -> [String] {
        try WriteAheadLog.listSegments(dir).map { dir + "/" + WriteAheadLog.segmentName($0) }
    }

    /// Issue 9, defect 6: a stale copy of an old segment under a newer name was recovered
    /// as the newest state (term 6 where the truth was 8).
    @Test func aStaleSegmentUnderANewerNameIsRefused() throws {
        let dir = T.tempDirectory()
        try Self.buildHardStates(dir)
        let files = try Self.segmentFiles(dir)
        #expect(files.count >= 4)
        try FileManager.default.removeItem(atPath: files[files.count - 1])
        try FileManager.default.copyItem(atPath: files[files.count - 3], toPath: files[files.count - 1])
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir, options: Self.tiny) }
    }

    /// Defect 6: swapping the last two segments dropped the commit index.
    @Test func swappedSegmentsAreRefused() throws {
        let dir = T.tempDirectory()
        try Self.buildHardStates(dir)
        let files = try Self.segmentFiles(dir)
        let a = files[files.count - 2], b = files[files.count - 1]
        try FileManager.default.moveItem(atPath: a, toPath: a + ".x")
        try FileManager.default.moveItem(atPath: b, toPath: a)
        try FileManager.default.moveItem(atPath: a + ".x", toPath: b)
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir, options: Self.tiny) }
    }

    @Test func aMissingMiddleSegmentIsRefused() throws {
        let dir = T.tempDirectory()
        _ = try Self.build(dir)
        let files = try Self.segmentFiles(dir)
        try FileManager.default.removeItem(atPath: files[files.count / 2])
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir, options: Self.small) }
    }

    /// Defect 6: hard-state records were applied as found, so one with a lower term (or
    /// another vote in the same term) silently won.
    @Test(arguments: [HardState(term: 5, vote: 1, commit: 0), HardState(term: 21, vote: 2, commit: 200)])
    func aHardStateThatGoesBackwardsIsRefused(stale: HardState) throws {
        let dir = T.tempDirectory()
        let wal = try Self.build(dir)
        try wal.save(hardState: HardState(term: 21, vote: 1, commit: 200), entries: [])
        var record: [UInt8] = []
        WALRecord.hardState(stale).append(to: &record)
        let path = try #require(try Self.segmentFiles(dir).last)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(record))
        handle.closeFile()
        try wal.save(hardState: HardState(term: 21, vote: 1, commit: 200), entries: [])
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir, options: Self.small) }
    }

    /// A commit index may restart lower after a tail was cut that held entries it
    /// covered (as logs written hard state first could leave); that is not going backwards.
    @Test func aCommitBelowACutTailIsAccepted() throws {
        let dir = T.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: T.entries(1...3, term: 1))
        try StorageLimitTests.appendRecord([1, 1, 2, 6], to: wal.segmentPaths[0])  // hard state term 1, vote 1, commit 6
        let (reopened, recovered) = try WriteAheadLog.open(directory: dir)
        #expect(recovered.entries.count == 3 && recovered.hardState.commit == 6)
        try reopened.save(hardState: HardState(term: 1, vote: 1, commit: 3), entries: [])
        let (_, again) = try WriteAheadLog.open(directory: dir)
        #expect(again.hardState.commit == 3)
    }

    /// A torn batch keeps a prefix, and the hard state is its last record: entries of a
    /// newer term may survive without it, and then the term is raised to theirs (with no
    /// vote, which was never acknowledged); a surviving commit index never covers old
    /// entries the batch was overwriting.
    @Test func aTornBatchNeverPairsANewCommitWithOldEntries() throws {
        let dir = T.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 2, vote: 1, commit: 3), entries: T.entries(1...6, term: 2))
        let path = wal.segmentPaths[0]
        let good = try #require(try DiskFile.readAll(path)).count
        try wal.save(hardState: HardState(term: 3, vote: 2, commit: 6), entries: T.entries(5...6, term: 3))
        let full = try #require(try DiskFile.readAll(path))
        for length in good..<full.count {
            try Data(full.prefix(length)).write(to: URL(fileURLWithPath: path))
            let (_, recovered) = try WriteAheadLog.open(directory: dir)
            let committed = recovered.entries.filter { $0.index <= recovered.hardState.commit }
            #expect(committed.allSatisfy { $0.index <= 3 || $0.term == 3 }, "length \(length)")
            #expect(recovered.hardState.term >= (recovered.entries.last?.term ?? 0), "length \(length)")
            if recovered.hardState.term == 3 && recovered.hardState.commit < 6 { #expect(recovered.hardState.vote == nil) }
            try Data(full).write(to: URL(fileURLWithPath: path))
        }
    }
}
