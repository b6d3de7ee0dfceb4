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
    var file: any AppendFile
    let fileSystem: any FileSystem
    public private(set) var hardState: HardState
    public private(set) var compacted: LogPosition
    public private(set) var lastIndex: UInt64
    /// The first write or fsync error: from then on every write is refused with it until
    /// the log is reopened (the node calls `RaftNode.storageFailed()`).
    public private(set) var failure: StorageError?

    /// Checksum of the last record written: the next segment's header names it.
    var lastChecksum: UInt32

    private init(
        directory: String, options: Options, fileSystem: any FileSystem, segments: [Segment], file: any AppendFile,
        recovered: RecoveredLog, lastChecksum: UInt32
    ) {
        self.lastChecksum = lastChecksum
        self.fileSystem = fileSystem
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

    /// Largest segment sequence number: the log refuses to roll past it.
    static let maxSequence = WALRecord.maxNumber

    /// Whether `name` is a segment's name at all (then it must be canonical).
    static func looksLikeSegment(_ name: String) -> Bool {
        name.hasPrefix("wal-") && name.hasSuffix(".log")
    }

    /// The sequence of a canonical segment name (16 lower-case hex digits), else nil.
    static func sequence(ofName name: String) -> UInt64? {
        let digits = Array(name.utf8.dropFirst(4).dropLast(4))
        guard looksLikeSegment(name), name.utf8.count == 24, digits.count == 16,
              digits.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let sequence = UInt64(String(decoding: digits, as: UTF8.self), radix: 16),
              sequence >= 1, sequence <= maxSequence else { return nil }
        return sequence
    }

    /// The segments in `directory`, oldest first; a file named like a segment that is not
    /// one the log would write is refused rather than guessed at.
    static func listSegments(_ directory: String, fileSystem: any FileSystem = PosixFileSystem()) throws(StorageError) -> [UInt64] {
        var sequences: [UInt64] = []
        for name in try fileSystem.list(directory) where looksLikeSegment(name) {
            guard let sequence = sequence(ofName: name), segmentName(sequence) == name else {
                throw StorageError.inconsistent("\(directory)/\(name) is not a segment name this log writes")
            }
            sequences.append(sequence)
        }
        sequences.sort()
        return sequences
    }

    /// Opens the log in `directory` (created if missing) and recovers what it holds.
    public static func open(
        directory: String, options: Options = Options(), fileSystem: any FileSystem = PosixFileSystem()
    ) throws(StorageError) -> (WriteAheadLog, RecoveredLog) {
        let fs = fileSystem
        // The directory's own name must be durable in its parent, or a crash can take it
        // with everything in it.
        try fs.makeDurableDirectory(directory)
        var recovered = RecoveredLog()
        try removeLeftoverRolls(directory, fileSystem: fs, notes: &recovered.notes)
        // A segment renamed into place by a roll that crashed before its directory fsync
        // (or whose fsync failed) is seen again by this open: make its name durable before
        // anything is appended to it and acknowledged.
        try fs.syncDirectory(directory)
        let scanned = try scan(directory, fileSystem: fs, into: &recovered)
        let segments = scanned.segments
        let previous = scanned.previous
        let lastCut = scanned.lastCut
        if let headerless = scanned.headerless {
            try fs.remove(headerless)
            try fs.syncDirectory(directory)
        }
        var segmentsToUse = segments
        let lastChecksum: UInt32
        if let previous {
            lastChecksum = previous.checksum
        } else {
            // A new log: its first segment, written like any roll.
            let header = WALRecord.SegmentHeader(sequence: 1, previous: 0, hardState: HardState(), compacted: .zero)
            lastChecksum = try writeSegment(header, directory: directory, fileSystem: fs)
            segmentsToUse.append(Segment(sequence: 1, path: directory + "/" + segmentName(1), lastIndex: 0))
        }
        let file = try fs.openForAppend(segmentsToUse[segmentsToUse.count - 1].path)
        if let lastCut { try file.truncate(to: lastCut) }
        // What was just read may be only in the page cache (a write whose fsync failed, a
        // cut whose fsync failed): make it durable before anything builds on it.
        try file.sync()
        let wal = WriteAheadLog(
            directory: directory, options: options, fileSystem: fs, segments: segmentsToUse, file: file, recovered: recovered,
            lastChecksum: lastChecksum)
        return (wal, recovered)
    }

    /// Reads the log in `directory` without changing anything (no repair, no fsync): what
    /// `open` would recover, for tools that inspect a stopped node's directory.
    public static func read(directory: String, fileSystem: any FileSystem = PosixFileSystem()) throws(StorageError) -> RecoveredLog {
        var recovered = RecoveredLog()
        _ = try scan(directory, fileSystem: fileSystem, into: &recovered)
        return recovered
    }

    /// The segments' records replayed in order; what open must repair is returned, not done.
    private static func scan(
        _ directory: String, fileSystem fs: any FileSystem, into recovered: inout RecoveredLog
    ) throws(StorageError) -> (segments: [Segment], previous: (sequence: UInt64, checksum: UInt32)?, lastCut: Int?, headerless: String?) {
        var headerless: String?
        let sequences = try listSegments(directory, fileSystem: fs)
        var replay = WALReplay()
        var segments: [Segment] = []
        var previous: (sequence: UInt64, checksum: UInt32)?
        /// Where the newest segment's torn tail starts, if it has one.
        var lastCut: Int?
        for (position, sequence) in sequences.enumerated() {
            let path = directory + "/" + segmentName(sequence)
            let isLast = position == sequences.count - 1
            let bytes = try fs.readAll(path, limit: Int.max) ?? []
            var records: [(WALRecord, Int)] = []
            var offset = 0
            var cutAt: Int?
            while offset < bytes.count {
                switch WALRecord.read(bytes, at: offset) {
                case .record(let record, let next):
                    records.append((record, offset))
                    offset = next
                case .bad(let reason):
                    guard isLast else { throw StorageError.corrupt(path: path, offset: offset, reason: reason) }
                    switch WALRecord.scanForIntactRecord(bytes, after: offset).result {
                    case .noIntactRecord:
                        break
                    case .intactRecord(let at):
                        throw StorageError.corrupt(path: path, offset: offset, reason: reason + ", with an intact record at byte \(at) after it")
                    case .undecided:
                        throw StorageError.corrupt(path: path, offset: offset, reason: reason + ", and the bytes after it could not be told from records")
                    }
                    // A crash tore the last write: nothing after it was acknowledged.
                    let cut = bytes.count - offset
                    recovered.cutBytes += cut
                    recovered.notes.append("cut a torn tail of \(cut) byte(s) at offset \(offset) of \(path): \(reason)")
                    cutAt = offset
                    offset = bytes.count
                }
            }
            guard case .segmentHeader(let header)? = records.first?.0 else {
                // Rolls are atomic, so only a disk that lost the header's write can leave
                // this, and only as the newest segment: nothing after it was acknowledged.
                guard isLast, records.isEmpty, segments.count >= 1 else {
                    throw StorageError.corrupt(path: path, offset: 0, reason: "the segment does not start with its header")
                }
                headerless = path
                recovered.cutBytes += bytes.count
                recovered.notes.append("removed \(path): a segment of \(bytes.count) byte(s) without a header (an interrupted roll)")
                break
            }
            guard header.sequence == sequence else {
                throw StorageError.inconsistent("\(path) holds segment \(header.sequence), not \(sequence)")
            }
            if let previous {
                guard previous.sequence + 1 == sequence else {
                    throw StorageError.inconsistent("\(path): segments \(previous.sequence + 1)…\(sequence - 1) are missing")
                }
                guard header.previous == previous.checksum else {
                    throw StorageError.inconsistent("\(path) does not follow segment \(previous.sequence): a stale or foreign copy")
                }
            }
            if let cutAt { lastCut = cutAt }
            var segment = Segment(sequence: sequence, path: path, lastIndex: 0)
            for (record, offset) in records {
                if case .entry(let entry) = record { segment.lastIndex = max(segment.lastIndex, entry.index) }
                try replay.apply(record, at: "\(path) byte \(offset)")
            }
            if let (_, at) = records.last { previous = (sequence, WALRecord.checksum(ofRecordIn: bytes, at: at)) }
            segments.append(segment)
        }
        recovered.hardState = replay.hardState
        (recovered.compacted, recovered.entries) = try replay.finish(directory: directory)
        if let lastTerm = recovered.entries.last?.term, lastTerm > recovered.hardState.term {
            // Entries of a newer term whose batch lost its hard state record (written last):
            // the term they carry is known, the vote in it was never acknowledged.
            recovered.notes.append("term raised from \(recovered.hardState.term) to \(lastTerm), that of the last entry")
            recovered.hardState = HardState(term: lastTerm, vote: nil, commit: recovered.hardState.commit)
        }
        return (segments, previous, lastCut, headerless)
    }

    /// Temporary files of a roll that a crash interrupted before its rename.
    static func removeLeftoverRolls(_ directory: String, fileSystem: any FileSystem, notes: inout [String]) throws(StorageError) {
        for name in try fileSystem.list(directory) where name.hasPrefix("wal-") && name.hasSuffix(".log.tmp") {
            try fileSystem.remove(directory + "/" + name)
            notes.append("removed \(directory)/\(name), left by an interrupted roll")
        }
    }

    /// Writes a segment holding just `header` atomically (temporary name, fsync, rename,
    /// fsync of the directory): a segment exists whole with its header, or not at all.
    /// Returns the header record's checksum.
    static func writeSegment(
        _ header: WALRecord.SegmentHeader, directory: String, fileSystem: any FileSystem
    ) throws(StorageError) -> UInt32 {
        var bytes: [UInt8] = []
        let checksum = WALRecord.segmentHeader(header).append(to: &bytes)
        try fileSystem.writeAtomically(bytes, to: directory + "/" + segmentName(header.sequence), directory: directory)
        return checksum
    }

    /// Makes `hardState` and `entries` durable with one fsync. Entries that start at or
    /// below the last saved index replace the saved ones from there on.
    public func save(hardState newState: HardState?, entries: [Entry]) throws(StorageError) {
        guard newState != nil || !entries.isEmpty else { return }
        try Self.checkSizes(entries)
        // The hard state goes last: a torn write keeps a prefix of the batch, so a commit
        // index that survives always has the entries it covers (never old ones that the
        // torn part of the batch was overwriting).
        var records: [WALRecord] = []
        if let first = entries.first, first.index <= lastIndex, first.index >= 1 {
            records.append(.truncate(keepThrough: first.index - 1))
        }
        records += entries.map { .entry($0) }
        if let newState { records.append(.hardState(newState)) }
        try write(records)
        if let newState { hardState = newState }
        if let last = entries.last {
            lastIndex = last.index
            segments[segments.count - 1].lastIndex = max(segments[segments.count - 1].lastIndex, last.index)
        }
    }

    /// Entries recovery would refuse are refused here, before anything is written.
    static func checkSizes(_ entries: [Entry]) throws(StorageError) {
        for entry in entries where entry.payload.count > WALRecord.maxPayloadBytes {
            throw StorageError.tooLarge(what: "entry \(entry.index)", bytes: entry.payload.count, limit: WALRecord.maxPayloadBytes)
        }
    }

    /// Records that entries through `position` now live in a snapshot, and deletes the
    /// segments that hold nothing else.
    public func compact(through position: LogPosition) throws(StorageError) {
        guard position.index > compacted.index else { return }
        try write([.compacted(index: position.index, term: position.term)])
        compacted = position
        if lastIndex < position.index { lastIndex = position.index }
        // Every segment starts with the hard state and compaction mark of its time, so an
        // older segment whose entries are all compacted holds nothing still needed.
        try guarded { () throws(StorageError) in try removeCompactedSegments() }
    }

    /// A snapshot received from the leader replaces the log through its position: only
    /// `keptEntries` (those after it that agree with it) stay.
    public func installSnapshot(at position: LogPosition, keptEntries: [Entry]) throws(StorageError) {
        try Self.checkSizes(keptEntries)
        try write([.compacted(index: position.index, term: position.term), .truncate(keepThrough: position.index)]
            + keptEntries.map { .entry($0) })
        compacted = position
        lastIndex = keptEntries.last?.index ?? position.index
        segments[segments.count - 1].lastIndex = max(segments[segments.count - 1].lastIndex, lastIndex)
        try guarded { () throws(StorageError) in try removeCompactedSegments() }
    }

    private func removeCompactedSegments() throws(StorageError) {
        var removed = false
        while segments.count > 1, segments[0].lastIndex <= compacted.index {
            try fileSystem.remove(segments[0].path)
            segments.removeFirst()
            removed = true
        }
        if removed { try fileSystem.syncDirectory(directory) }
    }

    /// One write and one fsync of `records`, in a new segment if the current one is full.
    private func write(_ records: [WALRecord]) throws(StorageError) {
        if let failure { throw failure }
        if file.size >= options.segmentBytes { try guarded { () throws(StorageError) in try startSegment() } }
        var batch: [UInt8] = []
        var checksum = lastChecksum
        for record in records { checksum = record.append(to: &batch) }
        let good = file.size
        do {
            try file.append(batch)
            try file.sync()
        } catch {
            // Whatever part of the batch reached the file is cut off again, so that a
            // reopen finds the log as it was before the batch (best effort: the log is
            // refused for writes either way).
            failure = error
            if (try? file.truncate(to: good)) != nil { try? file.sync() }
            throw error
        }
        lastChecksum = checksum
    }

    /// Runs a step that changes files; its error makes the log refuse writes until reopened.
    private func guarded(_ step: () throws(StorageError) -> Void) throws(StorageError) {
        if let failure { throw failure }
        do {
            try step()
        } catch {
            failure = error
            throw error
        }
    }

    /// Rolls to a new segment, created whole with its header by `writeSegment`.
    private func startSegment() throws(StorageError) {
        let sequence = (segments.last?.sequence ?? 0) + 1
        guard sequence <= Self.maxSequence else {
            throw StorageError.inconsistent("\(directory): segment sequence \(sequence) is past the limit")
        }
        let header = WALRecord.SegmentHeader(sequence: sequence, previous: lastChecksum, hardState: hardState, compacted: compacted)
        let checksum = try Self.writeSegment(header, directory: directory, fileSystem: fileSystem)
        let path = directory + "/" + Self.segmentName(sequence)
        file = try fileSystem.openForAppend(path)
        segments.append(Segment(sequence: sequence, path: path, lastIndex: 0))
        lastChecksum = checksum
    }

    /// Segment files currently on disk, oldest first.
    public var segmentPaths: [String] { segments.map(\.path) }
}
