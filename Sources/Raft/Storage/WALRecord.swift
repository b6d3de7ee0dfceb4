import Wire

/// One write-ahead-log record:
///
///     record = length:u32 LE  crc32c:u32 LE  type:u8  body      (length and CRC cover type + body)
///     type 1 hard state   term:varint  vote:varint (0 none, else id + 1)  commit:varint
///     type 2 entry        index:varint  term:varint  kind:u8  payload (rest)
///     type 3 truncate     keep-through:varint (entries after it are gone)
///     type 4 compacted    index:varint  term:varint (entries through index live in a snapshot)
///     type 5 segment header  sequence:varint  previous:u32 LE (CRC of the predecessor's last
///                         record, 0 for the first)  term vote commit  compacted-index compacted-term
///
/// Every segment starts with a header, which chains it to the segment before it and
/// carries the hard state and compaction mark of its time.
enum WALRecord: Equatable {
    case hardState(HardState)
    case entry(Entry)
    case truncate(keepThrough: UInt64)
    case compacted(index: UInt64, term: UInt64)
    case segmentHeader(SegmentHeader)

    struct SegmentHeader: Equatable {
        var sequence: UInt64
        var previous: UInt32
        var hardState: HardState
        var compacted: LogPosition
    }

    static let types: ClosedRange<UInt8> = 1...5

    static let headerSize = 8
    /// Largest entry payload written or read: the wire's, so that whatever a leader can
    /// send a follower can store.
    static let maxPayloadBytes = WireLimits.default.maxEntryBytes
    /// Largest type + body accepted: an entry at the payload limit plus its header fields.
    static let maxLength = maxPayloadBytes + 64
    /// Largest term, index or sequence number read (the wire's 2^48 − 1).
    static let maxNumber = WireLimits.default.maxTermOrIndex

    /// Appends the record and returns its checksum (what the next segment's header names).
    @discardableResult
    func append(to out: inout [UInt8]) -> UInt32 {
        var body: [UInt8] = []
        func appendHardState(_ hs: HardState) {
            body.appendVarint(hs.term)
            body.appendVarint(hs.vote.map { UInt64($0) + 1 } ?? 0)
            body.appendVarint(hs.commit)
        }
        switch self {
        case .hardState(let hs):
            body.append(1)
            appendHardState(hs)
        case .entry(let e):
            body.append(2)
            body.appendVarint(e.index)
            body.appendVarint(e.term)
            body.append(e.kind.rawValue)
            body.append(contentsOf: e.payload)
        case .truncate(let keep):
            body.append(3)
            body.appendVarint(keep)
        case .compacted(let index, let term):
            body.append(4)
            body.appendVarint(index)
            body.appendVarint(term)
        case .segmentHeader(let header):
            body.append(5)
            body.appendVarint(header.sequence)
            body.appendFixed(UInt64(header.previous), width: 4)
            appendHardState(header.hardState)
            body.appendVarint(header.compacted.index)
            body.appendVarint(header.compacted.term)
        }
        let crc = CRC32C.checksum(body)
        out.appendFixed(UInt64(body.count), width: 4)
        out.appendFixed(UInt64(crc), width: 4)
        out.append(contentsOf: body)
        return crc
    }

    /// The checksum stored in the header of the record at `offset` (which was read intact).
    static func checksum(ofRecordIn bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(fixed(bytes, offset + 4, 4))
    }

    enum ReadResult {
        case record(WALRecord, next: Int)
        /// Not a whole, intact record here (torn, corrupt, or the end of the file).
        case bad(String)
    }

    /// Reads the record at `offset` of `bytes`.
    static func read(_ bytes: [UInt8], at offset: Int) -> ReadResult {
        guard bytes.count - offset >= headerSize else { return .bad("\(bytes.count - offset) byte(s) cannot hold a record header") }
        let length = Int(fixed(bytes, offset, 4))
        let crc = UInt32(fixed(bytes, offset + 4, 4))
        guard length >= 1, length <= maxLength else { return .bad("record length \(length) out of range") }
        let start = offset + headerSize
        guard bytes.count - start >= length else { return .bad("record of \(length) bytes runs past the end of the file") }
        guard CRC32C.checksum(bytes[start..<(start + length)]) == crc else { return .bad("checksum mismatch") }
        let body = Array(bytes[start..<(start + length)])
        do {
            let record = try body.withWireReader { (r) throws(WireError) -> WALRecord in
                func readHardState() throws(WireError) -> HardState {
                    let term = try r.readVarint("term", max: maxNumber)
                    let vote = try r.readVarint("vote", max: UInt64(NodeID.max) + 1)
                    let commit = try r.readVarint("commit", max: maxNumber)
                    return HardState(term: term, vote: vote == 0 ? nil : NodeID(vote - 1), commit: commit)
                }
                switch try r.readByte("record type") {
                case 1:
                    let hs = try readHardState()
                    try r.expectEnd("hard state")
                    return .hardState(hs)
                case 2:
                    let indexAt = r.offset
                    let index = try r.readVarint("index", max: maxNumber)
                    guard index >= 1 else { throw WireError(.valueOutOfRange(index), at: indexAt, field: "entry index") }
                    let term = try r.readVarint("term", max: maxNumber)
                    let kindAt = r.offset
                    let rawKind = try r.readByte("kind")
                    guard let kind = EntryKind(rawValue: rawKind) else {
                        throw WireError(.unknownKind(UInt64(rawKind)), at: kindAt, field: "entry kind")
                    }
                    return .entry(Entry(index: index, term: term, kind: kind, payload: try r.readRest("payload", limit: maxPayloadBytes)))
                case 3:
                    let keep = try r.readVarint("keep through", max: maxNumber)
                    try r.expectEnd("truncate")
                    return .truncate(keepThrough: keep)
                case 4:
                    let index = try r.readVarint("index", max: maxNumber)
                    let term = try r.readVarint("term", max: maxNumber)
                    try r.expectEnd("compacted")
                    return .compacted(index: index, term: term)
                case 5:
                    let sequence = try r.readVarint("sequence", max: maxNumber)
                    let previous = UInt32(try r.readFixed("previous", width: 4))
                    let hs = try readHardState()
                    let index = try r.readVarint("compacted index", max: maxNumber)
                    let term = try r.readVarint("compacted term", max: maxNumber)
                    try r.expectEnd("segment header")
                    return .segmentHeader(SegmentHeader(
                        sequence: sequence, previous: previous, hardState: hs, compacted: LogPosition(index: index, term: term)))
                case let other:
                    throw WireError(.unknownKind(UInt64(other)), at: 0, field: "record type")
                }
            }
            return .record(record, next: start + length)
        } catch {
            return .bad("record does not parse: \(error)")
        }
    }

    enum TailScan: Equatable {
        case noIntactRecord
        case intactRecord(at: Int)
        /// The budget ran out first: the damage cannot be called a torn write.
        case undecided
    }

    /// Bytes the scan for an intact record after damage may checksum: linear in what is
    /// scanned, so that a crafted tail cannot make recovery quadratic.
    static func scanBudget(forBytes count: Int) -> Int {
        8 * count + (1 << 20)
    }

    /// Whether an intact record starts after `offset`: a torn write is always the last
    /// thing in the file, so an intact record behind a bad one means corruption.
    static func scanForIntactRecord(_ bytes: [UInt8], after offset: Int) -> (result: TailScan, checksummedBytes: Int) {
        let budget = scanBudget(forBytes: max(bytes.count - offset, 0))
        var spent = 0
        var candidate = offset + 1
        while candidate + headerSize < bytes.count {
            // Cheap checks first: a length that fits and a known record type.
            let length = Int(fixed(bytes, candidate, 4))
            let start = candidate + headerSize
            if length >= 1, length <= maxLength, bytes.count - start >= length, types.contains(bytes[start]) {
                spent += length
                if spent > budget { return (.undecided, spent - length) }
                if case .record = read(bytes, at: candidate) { return (.intactRecord(at: candidate), spent) }
            }
            candidate += 1
        }
        return (.noIntactRecord, spent)
    }

    private static func fixed(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << UInt64(8 * $1) }
    }
}
