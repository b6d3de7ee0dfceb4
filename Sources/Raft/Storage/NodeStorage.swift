/// A node's durable state — write-ahead log and snapshot — kept the way `Ready` asks.
///
/// `persist(_:)` before sending a Ready's messages; `saveSnapshot(_:)` after
/// `RaftNode.compact(through:data:)`. On a `StorageError`, call `RaftNode.storageFailed()`.
public final class NodeStorage {
    public struct Recovered: Sendable {
        public var hardState: HardState
        public var snapshot: Snapshot?
        public var entries: [Entry]
        /// What recovery repaired (a cut torn tail), for the operator's log.
        public var notes: [String]
    }

    public let wal: WriteAheadLog
    public let snapshots: SnapshotStore

    private init(wal: WriteAheadLog, snapshots: SnapshotStore) {
        self.wal = wal
        self.snapshots = snapshots
    }

    public static func open(directory: String, options: WriteAheadLog.Options = .init()) throws(StorageError) -> (NodeStorage, Recovered) {
        try DiskFile.makeDirectory(directory)
        let snapshots = SnapshotStore(directory: directory)
        let snapshot = try snapshots.load()
        let (wal, log) = try WriteAheadLog.open(directory: directory + "/wal", options: options)
        // The snapshot file is written before the log's compaction mark; never after.
        if log.compacted.index > (snapshot?.position.index ?? 0) {
            throw StorageError.inconsistent(
                "the log is compacted through \(log.compacted.index) but the snapshot ends at \(snapshot?.position.index ?? 0)")
        }
        let base = snapshot?.position.index ?? 0
        let recovered = Recovered(
            hardState: log.hardState, snapshot: snapshot, entries: log.entries.filter { $0.index > base }, notes: log.notes)
        return (NodeStorage(wal: wal, snapshots: snapshots), recovered)
    }

    /// Makes a Ready's snapshot, hard state and entries durable.
    public func persist(_ ready: Ready) throws(StorageError) {
        if let snapshot = ready.snapshotToInstall {
            try snapshots.save(snapshot)
            try wal.installSnapshot(at: snapshot.position, keptEntries: ready.entriesToPersist)
            try wal.save(hardState: ready.hardState, entries: [])
        } else {
            try wal.save(hardState: ready.hardState, entries: ready.entriesToPersist)
        }
    }

    /// Stores a snapshot the node just took and drops the log it covers.
    public func saveSnapshot(_ snapshot: Snapshot) throws(StorageError) {
        try snapshots.save(snapshot)
        try wal.compact(through: snapshot.position)
    }
}
