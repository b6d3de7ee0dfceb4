/// What recovery found on disk.
public struct RecoveredLog: Sendable {
    public var hardState = HardState()
    /// Entries up to here were compacted into a snapshot.
    public var compacted = LogPosition.zero
    /// The entries after `compacted`, contiguous.
    public var entries: [Entry] = []
    /// Bytes of a torn tail that were cut off the last file.
    public var cutBytes = 0
    /// What an operator should read in the log: what was cut, and why.
    public var notes: [String] = []
}

/// The durable log of one node: hard state and entries as checksummed records in
/// numbered segment files, one fsync per saved batch.
///
/// Recovery reads the segments in order, cuts a torn tail off the last one (saying so
/// in `notes`), and refuses — with `StorageError.corrupt` — a bad record anywhere else,
/// since acknowledged entries may lie behind it. Segments wholly behind a compaction are
/// deleted, so recovery reads the live log only.
public final class WriteAheadLog {
    public struct Options: Sendable {
        /// A new segment file is started once the current one passes this size.
        public var segmentBytes: Int = 16 * 1024 * 1024

        public init(segmentBytes: Int = 16 * 1024 * 1024) {
            self.segmentBytes = segmentBytes
        }
    }

    struct Segment {
        var sequence: UInt64
        var path: String
        /// The highest entry index written to this segment (0: none).
        var lastIndex: UInt64
    }

    public let directory: String
    let options: Options
    var segments: [Segment]
    var file: DiskFile
    public private(set) var hardState: HardState
    public private(set) var compacted: LogPosition
    public private(set) var lastIndex: UInt64

    private init(directory: String, options: Options, segments: [Segment], file: DiskFile, recovered: RecoveredLog) {
        self.directory = directory
        self.options = options
        self.segments = segments
        self.file = file
        self.hardState = recovered.hardState
        self.compacted = recovered.compacted
        self.lastIndex = recovered.entries.last?.index ?? recovered.compacted.index
    }

    static func segmentName(_ sequence: UInt64) -> String {
        let hex = String(sequence, radix: 16)
        return "wal-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".log"
    }

    static func sequence(ofName name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".log"), name.count == 24 else { return nil }
        return UInt64(name.dropFirst(4).prefix(16), radix: 16)
    }

    /// Opens the log in `directory` (created if missing) and recovers what it holds.
    public static func open(directory: String, options: Options = Options()) throws(StorageError) -> (WriteAheadLog, RecoveredLog) {
        try DiskFile.makeDirectory(directory)
        let sequences = try DiskFile.list(directory).compactMap(sequence(ofName:)).sorted()
        var recovered = RecoveredLog()
        var parsed: [(segment: Segment, records: [(WALRecord, Int)])] = []
        for (position, sequence) in sequences.enumerated() {
            let path = directory + "/" + segmentName(sequence)
            let bytes = try DiskFile.readAll(path) ?? []
            var records: [(WALRecord, Int)] = []
            var offset = 0
            while offset < bytes.count {
                switch WALRecord.read(bytes, at: offset) {
                case .record(let record, let next):
                    records.append((record, offset))
                    offset = next
                case .bad(let reason):
                    let isLast = position == sequences.count - 1
                    guard isLast, !hasIntactRecord(bytes, after: offset) else {
                        throw StorageError.corrupt(path: path, offset: offset, reason: reason)
                    }
                    // A crash tore the last write: nothing after it was acknowledged.
                    let cut = bytes.count - offset
                    try DiskFile.truncateFile(path, to: offset)
                    recovered.cutBytes += cut
                    recovered.notes.append("cut a torn tail of \(cut) byte(s) at offset \(offset) of \(path): \(reason)")
                    offset = bytes.count
                }
            }
            parsed.append((Segment(sequence: sequence, path: path, lastIndex: 0), records))
        }
        // Records apply in the order they were written; entries that lived in deleted
        // segments must be covered by a compaction mark by the end.
        var replay = WALReplay()
        var segments: [Segment] = []
        for (segment, records) in parsed {
            var segment = segment
            for (record, offset) in records {
                if case .entry(let entry) = record { segment.lastIndex = max(segment.lastIndex, entry.index) }
                try replay.apply(record, at: "\(segment.path) byte \(offset)")
            }
            segments.append(segment)
        }
        recovered.hardState = replay.hardState
        (recovered.compacted, recovered.entries) = try replay.finish(directory: directory)
        if segments.isEmpty {
            segments.append(Segment(sequence: 1, path: directory + "/" + segmentName(1), lastIndex: 0))
        }
        let file = try DiskFile.openForAppend(segments[segments.count - 1].path)
        if sequences.isEmpty { try DiskFile.syncDirectory(directory) }
        let wal = WriteAheadLog(directory: directory, options: options, segments: segments, file: file, recovered: recovered)
        return (wal, recovered)
    }

    /// Whether any intact record starts after `offset`: a torn write is always the last
    /// thing in the file, so an intact record behind a bad one means corruption.
    private static func hasIntactRecord(_ bytes: [UInt8], after offset: Int) -> Bool {
        var candidate = offset + 1
        while candidate + WALRecord.headerSize < bytes.count {
            if case .record = WALRecord.read(bytes, at: candidate) { return true }
            candidate += 1
        }
        return false
    }

    /// Makes `hardState` and `entries` durable with one fsync. Entries that start at or
    /// below the last saved index replace the saved ones from there on.
    public func save(hardState newState: HardState?, entries: [Entry]) throws(StorageError) {
        guard newState != nil || !entries.isEmpty else { return }
        if file.size >= options.segmentBytes { try startSegment() }
        var batch: [UInt8] = []
        if let newState {
            WALRecord.hardState(newState).append(to: &batch)
        }
        if let first = entries.first, first.index <= lastIndex {
            WALRecord.truncate(keepThrough: first.index - 1).append(to: &batch)
        }
        for entry in entries {
            WALRecord.entry(entry).append(to: &batch)
        }
        try file.append(batch)
        try file.sync()
        if let newState { hardState = newState }
        if let last = entries.last {
            lastIndex = last.index
            segments[segments.count - 1].lastIndex = max(segments[segments.count - 1].lastIndex, last.index)
        }
    }

    /// Records that entries through `position` now live in a snapshot, and deletes the
    /// segments that hold nothing else.
    public func compact(through position: LogPosition) throws(StorageError) {
        guard position.index > compacted.index else { return }
        var batch: [UInt8] = []
        WALRecord.compacted(index: position.index, term: position.term).append(to: &batch)
        try file.append(batch)
        try file.sync()
        compacted = position
        if lastIndex < position.index { lastIndex = position.index }
        // Every segment starts with the hard state and compaction mark of its time, so an
        // older segment whose entries are all compacted holds nothing still needed.
        try removeCompactedSegments()
    }

    /// A snapshot received from the leader replaces the log through its position: only
    /// `keptEntries` (those after it that agree with it) stay.
    public func installSnapshot(at position: LogPosition, keptEntries: [Entry]) throws(StorageError) {
        var batch: [UInt8] = []
        WALRecord.compacted(index: position.index, term: position.term).append(to: &batch)
        WALRecord.truncate(keepThrough: position.index).append(to: &batch)
        for entry in keptEntries { WALRecord.entry(entry).append(to: &batch) }
        try file.append(batch)
        try file.sync()
        compacted = position
        lastIndex = keptEntries.last?.index ?? position.index
        segments[segments.count - 1].lastIndex = max(segments[segments.count - 1].lastIndex, lastIndex)
        try removeCompactedSegments()
    }

    private func removeCompactedSegments() throws(StorageError) {
        var removed = false
        while segments.count > 1, segments[0].lastIndex <= compacted.index {
            try DiskFile.removeFile(segments[0].path)
            segments.removeFirst()
            removed = true
        }
        if removed { try DiskFile.syncDirectory(directory) }
    }

    private func startSegment() throws(StorageError) {
        let sequence = (segments.last?.sequence ?? 0) + 1
        let path = directory + "/" + Self.segmentName(sequence)
        let next = try DiskFile.openForAppend(path)
        var header: [UInt8] = []
        WALRecord.hardState(hardState).append(to: &header)
        if compacted.index > 0 {
            WALRecord.compacted(index: compacted.index, term: compacted.term).append(to: &header)
        }
        try next.append(header)
        try next.sync()
        try DiskFile.syncDirectory(directory)
        file = next
        segments.append(Segment(sequence: sequence, path: path, lastIndex: 0))
    }

    /// Segment files currently on disk, oldest first.
    public var segmentPaths: [String] { segments.map(\.path) }
}
