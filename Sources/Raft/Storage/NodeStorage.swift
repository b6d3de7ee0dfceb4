/// A node's durable state — write-ahead log and snapshot — kept the way `Ready` asks.
///
/// `persist(_:)` before sending a Ready's messages; `saveSnapshot(_:)` after
/// `RaftNode.compact(through:data:)`. On a `StorageError`, call `RaftNode.storageFailed()`:
/// after a write or fsync error every later write fails too (`failure`) until the storage
/// is opened again. docs/raft.md (Storage) says what is guaranteed under which faults.
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
    public var failure: StorageError? { wal.failure }

    private init(wal: WriteAheadLog, snapshots: SnapshotStore) {
        self.wal = wal
        self.snapshots = snapshots
    }

    public static func open(
        directory: String, options: WriteAheadLog.Options = .init(), fileSystem: any FileSystem = PosixFileSystem()
    ) throws(StorageError) -> (NodeStorage, Recovered) {
        try fileSystem.makeDurableDirectory(directory)
        let snapshots = SnapshotStore(directory: directory, fileSystem: fileSystem)
        let snapshot = try snapshots.load()
        let (wal, log) = try WriteAheadLog.open(directory: directory + "/wal", options: options, fileSystem: fileSystem)
        // The snapshot file is written before the log's compaction mark; never after.
        if log.compacted.index > (snapshot?.position.index ?? 0) {
            throw StorageError.inconsistent(
                "the log is compacted through \(log.compacted.index) but the snapshot ends at \(snapshot?.position.index ?? 0)")
        }
        var entries = log.entries
        var notes = log.notes
        if let snapshot, snapshot.position.index > log.compacted.index {
            // A crash came between storing the snapshot and recording it in the log. The
            // entries after it stay only if the log agrees with it at its index: otherwise
            // they belong to a history the snapshot replaced.
            let position = snapshot.position
            let agrees = entries.first { $0.index == position.index }?.term == position.term
            if agrees {
                entries.removeAll { $0.index <= position.index }
                try wal.compact(through: position)
            } else {
                entries = []
                try wal.installSnapshot(at: position, keptEntries: [])
            }
            notes.append("completed the interrupted save of the snapshot at \(position.index) (term \(position.term))"
                + (agrees ? "" : "; dropped the log entries after it, which disagree with it"))
        }
        let recovered = Recovered(hardState: log.hardState, snapshot: snapshot, entries: entries, notes: notes)
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
