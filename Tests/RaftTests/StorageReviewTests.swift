import Foundation
import Testing
import Wire
@testable import Raft

/// Defects found by reviewing the crash-safe storage as an attacker: a crafted snapshot
/// file must not carry numbers past the wire's 2^48 − 1.
@Suite struct StorageReviewTests {
    typealias T = WriteAheadLogTests

    /// A snapshot file with a valid checksum and an index or term past 2^48 − 1 is refused
    /// on load (before the fix it loaded, and the log's arithmetic on index + 1 trapped).
    @Test(arguments: [(UInt64.max, UInt64(1)), (UInt64(10), UInt64.max), (UInt64(1) << 48, UInt64(1))])
    func aSnapshotWithNumbersPastTheWireLimitIsRefused(index: UInt64, term: UInt64) throws {
        let dir = T.tempDirectory()
        let store = SnapshotStore(directory: dir)
        try store.save(Snapshot(position: LogPosition(index: index, term: term), membership: Membership(voters: [1]), data: [7]))
        #expect(throws: StorageError.self) { try store.load() }
        let limit = WALRecord.maxNumber
        try store.save(Snapshot(position: LogPosition(index: limit, term: limit), membership: Membership(voters: [1]), data: [7]))
        #expect(try store.load()?.position == LogPosition(index: limit, term: limit))
    }
}
