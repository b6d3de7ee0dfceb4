import Foundation
import NetworkModel
import Testing
import Wire
@testable import Raft

/// What storage writes it can read back, and what it reads from disk is bounded: sizes,
/// terms, indexes and file names are checked before use, never trapped on.
@Suite struct StorageLimitTests {
    typealias T = WriteAheadLogTests

    static func entry(_ index: UInt64, payloadBytes: Int) -> Entry {
        Entry(index: index, term: 1, kind: .decision, payload: [UInt8](repeating: 7, count: payloadBytes))
    }

    /// Issue 9, defect 4: a 65,636-byte entry was fsynced and acknowledged, and with a
    /// record after it the log could not be reopened.
    @Test func anOversizeEntryIsRefusedBeforeAnythingIsWritten() throws {
        let dir = T.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1), entries: [Self.entry(1, payloadBytes: WireLimits.default.maxEntryBytes)])
        let path = wal.segmentPaths[0]
        let before = try #require(try DiskFile.readAll(path)).count
        let limit = WireLimits.default.maxEntryBytes
        #expect(throws: StorageError.tooLarge(what: "entry 2", bytes: limit + 100, limit: limit)) {
            try wal.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: [Self.entry(2, payloadBytes: limit + 100)])
        }
        #expect(try #require(try DiskFile.readAll(path)).count == before, "nothing of the refused batch is on disk")
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 1), entries: [Self.entry(2, payloadBytes: 10)])
        let (_, recovered) = try WriteAheadLog.open(directory: dir)
        #expect(recovered.entries.map(\.index) == [1, 2])
        #expect(recovered.entries[0].payload.count == limit, "an entry at the limit is stored and read back")
    }

    @Test func anOversizeSnapshotIsRefusedAndTheOldOneStays() throws {
        let dir = T.tempDirectory()
        let store = SnapshotStore(directory: dir, maxBytes: 1000)
        let small = Snapshot(position: LogPosition(index: 3, term: 1), membership: Membership(voters: [1]), data: [1, 2, 3])
        try store.save(small)
        let large = Snapshot(position: LogPosition(index: 9, term: 1), membership: Membership(voters: [1]), data: [UInt8](repeating: 1, count: 2000))
        #expect(throws: StorageError.self) { try store.save(large) }
        #expect(try store.load() == small)
    }

    /// Writes one crafted record (with a valid checksum) after a valid log.
    static func appendRecord(_ body: [UInt8], to path: String) throws {
        var bytes = try #require(try DiskFile.readAll(path))
        bytes.appendFixed(UInt64(body.count), width: 4)
        bytes.appendFixed(UInt64(CRC32C.checksum(body)), width: 4)
        bytes += body
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Issue 9, defect 7: terms and indexes near 2^64 were taken as they were and trapped
    /// later in arithmetic; they are refused at the wire's cap of 2^48 − 1.
    @Test(arguments: [
        [1] + [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01] + [0, 0],  // hard state, term 2^49
        [2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1, 1],        // entry, index 2^49
        [4] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] + [1],  // compaction at 2^64 − 1
    ] as [[UInt8]])
    func hugeTermsAndIndexesAreRefused(body: [UInt8]) throws {
        let dir = T.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1), entries: T.entries(1...2, term: 1))
        try Self.appendRecord(body, to: wal.segmentPaths[0])
        try wal.save(hardState: HardState(term: 1, vote: 1, commit: 2), entries: [])
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir) }
    }

    /// A stray name the log would never write is refused, not taken as a segment: an
    /// upper-case name became a phantom segment and then a duplicate, and the largest
    /// sequence trapped at the next roll.
    @Test(arguments: ["wal-0000000000000ABC.log", "wal-ffffffffffffffff.log", "wal-+00000000000002.log"])
    func aNonCanonicalOrHugeSegmentNameIsRefused(name: String) throws {
        let dir = T.tempDirectory()
        let (wal, _) = try WriteAheadLog.open(directory: dir)
        try wal.save(hardState: HardState(term: 1), entries: T.entries(1...2, term: 1))
        #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data()))
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir) }
    }

    /// Issue 9, defect 8: telling a torn tail from corruption scanned every offset after
    /// the damaged record and checksummed a whole candidate record at each — quadratic
    /// (≈ 10 s for one damaged 64 KiB record in a debug build). The scan is now bounded by
    /// a budget linear in the bytes scanned.
    @Test func theScanAfterADamagedRecordIsBounded() throws {
        // A payload whose every fourth offset looks like the header of a record that fits,
        // with a plausible record type.
        var tail: [UInt8] = []
        while tail.count < 64 * 1024 { tail += [0xF0, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02] }
        let scan = WALRecord.scanForIntactRecord(tail, after: 0)
        #expect(scan.result != .intactRecord(at: 0))
        #expect(scan.checksummedBytes <= WALRecord.scanBudget(forBytes: tail.count), "\(scan.checksummedBytes) bytes checksummed")
        #expect(WALRecord.scanBudget(forBytes: tail.count) <= 16 * tail.count + (1 << 20))
        // Ordinary damage is still told apart: garbage is a torn tail, a record after it is not.
        var garbage = SeededRandom(seed: 9)
        let torn = (0..<(64 * 1024)).map { _ in UInt8(truncatingIfNeeded: garbage.next()) }
        #expect(WALRecord.scanForIntactRecord(torn, after: 0).result == .noIntactRecord)
        var record: [UInt8] = []
        WALRecord.entry(Self.entry(5, payloadBytes: 100)).append(to: &record)
        #expect(WALRecord.scanForIntactRecord(torn + record, after: 0).result == .intactRecord(at: torn.count))
    }
}
