import Foundation
import Testing
import Wire
@testable import Raft

@Suite struct WriteAheadLogTests {
    static func tempDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wal-test-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func entries(_ range: ClosedRange<UInt64>, term: UInt64, size: Int = 40) -> [Entry] {
        range.map { Entry(index: $0, term: term, kind: .decision, payload: [UInt8](repeating: UInt8($0 & 0xFF), count: size)) }
    }

    @Test func savedStateSurvivesAReopen() throws {
        let dir = Self.tempDirectory()
        let (wal, empty) = try WriteAheadLog.open(directory: dir)
        #expect(empty.entries.isEmpty && empty.hardState == HardState())
        try wal.save(hardState: HardState(term: 3, vote: 2, commit: 1), entries: Self.entries(1...5, term: 3))
        try wal.save(hardState: HardState(term: 3, vote: 2, commit: 4), entries: [])
        let (_, recovered) = try WriteAheadLog.open(directory: dir)
        #expect(recovered.hardState == HardState(term: 3, vote: 2, commit: 4))
        #expect(recovered.entries == Self.entries(1...5, term: 3))
        #expect(recovered.notes.isEmpty)
    }

    @Test func anOverwrittenSuffixStaysOverwritten() throws {
        let dir = Self.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 2), entries: Self.entries(1...6, term: 2))
        try wal.save(hardState: HardState(term: 4), entries: Self.entries(4...5, term: 4))
        let (_, recovered) = try WriteAheadLog.open(directory: dir)
        #expect(recovered.entries == Self.entries(1...3, term: 2) + Self.entries(4...5, term: 4))
    }

    /// A crash may leave any prefix of the last batch: recovery keeps the whole records,
    /// cuts the rest and says so.
    @Test func aTornTailIsCutAtEveryPossibleLength() throws {
        let dir = Self.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...3, term: 1))
        let path = wal.segmentPaths[0]
        let firstBatchEnd = try #require(try DiskFile.readAll(path)).count
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 3), entries: Self.entries(4...6, term: 1))
        let full = try #require(try DiskFile.readAll(path))
        var cuts = 0
        for length in firstBatchEnd..<full.count {
            try Data(full.prefix(length)).write(to: URL(fileURLWithPath: path))
            let (_, recovered) = try WriteAheadLog.open(directory: dir)
            let indexes = recovered.entries.map(\.index)
            #expect(indexes.first == 1 && indexes == Array(1...UInt64(indexes.count)), "length \(length)")
            #expect(indexes.count >= 3 && indexes.count <= 6)
            // What is left on disk is exactly the whole records.
            let remaining = try #require(try DiskFile.readAll(path)).count
            #expect(remaining == length - recovered.cutBytes)
            if recovered.cutBytes > 0 {
                cuts += 1
                #expect(recovered.notes.first?.contains("cut a torn tail of \(recovered.cutBytes) byte(s)") == true)
            }
            // The cut is durable: a second recovery finds nothing to cut.
            let (_, again) = try WriteAheadLog.open(directory: dir)
            #expect(again.cutBytes == 0 && again.entries == recovered.entries)
        }
        // Only the few lengths that end on a record boundary need no cut.
        #expect(cuts >= full.count - firstBatchEnd - 4)
    }

    @Test func garbageAfterTheLastRecordIsCut() throws {
        let dir = Self.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1), entries: Self.entries(1...2, term: 1))
        let handle = try #require(FileHandle(forWritingAtPath: wal.segmentPaths[0]))
        handle.seekToEndOfFile()
        handle.write(Data([0x05, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3]))
        handle.closeFile()
        let (_, recovered) = try WriteAheadLog.open(directory: dir)
        #expect(recovered.entries.count == 2)
        #expect(recovered.cutBytes == 11)
    }

    @Test func aBadRecordBeforeGoodOnesIsCorruptionNotATear() throws {
        let dir = Self.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1), entries: Self.entries(1...3, term: 1))
        try wal.save(hardState: nil, entries: Self.entries(4...6, term: 1))
        let path = wal.segmentPaths[0]
        var bytes = try #require(try DiskFile.readAll(path))
        bytes[20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir) }
        do {
            _ = try WriteAheadLog.open(directory: dir)
        } catch {
            guard case .corrupt(let p, _, let reason) = error else { Issue.record("\(error)"); return }
            #expect(p == path && reason.contains(", with an intact record at byte"), "\(reason)")
        }
    }

    @Test func segmentsRollAndCompactionDeletesTheOldOnes() throws {
        let dir = Self.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir, options: .init(segmentBytes: 1000))
        for batch in 0..<10 {
            let first = UInt64(batch * 5 + 1)
            try wal.save(hardState: HardState(term: 1, vote: 1, commit: first + 4), entries: Self.entries(first...(first + 4), term: 1, size: 60))
        }
        #expect(wal.segmentPaths.count > 3)
        try wal.compact(through: LogPosition(index: 40, term: 1))
        #expect(wal.segmentPaths.count <= 3)
        let (reopened, recovered) = try WriteAheadLog.open(directory: dir, options: .init(segmentBytes: 1000))
        #expect(recovered.compacted == LogPosition(index: 40, term: 1))
        #expect(recovered.entries.map(\.index) == Array(41...50))
        #expect(recovered.hardState.commit == 50)
        try reopened.save(hardState: nil, entries: Self.entries(51...51, term: 2))
        let (_, again) = try WriteAheadLog.open(directory: dir, options: .init(segmentBytes: 1000))
        #expect(again.entries.last?.index == 51)
    }

    @Test func anUnusableDirectoryIsATypedError() throws {
        let dir = Self.tempDirectory()
        let file = dir + "/not-a-directory"
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1])))
        #expect(throws: StorageError.io(operation: "mkdir", path: file + "/wal", errno: ENOTDIR)) {
            try WriteAheadLog.open(directory: file + "/wal")
        }
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
