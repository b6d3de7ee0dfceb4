import Wire

/// One write-ahead-log record:
///
///     record = length:u32 LE  crc32c:u32 LE  type:u8  body      (length and CRC cover type + body)
///     type 1 hard state   term:varint  vote:varint (0 none, else id + 1)  commit:varint
///     type 2 entry        index:varint  term:varint  kind:u8  payload (rest)
///     type 3 truncate     keep-through:varint (entries after it are gone)
///     type 4 compacted    index:varint  term:varint (entries through index live in a snapshot)
enum WALRecord: Equatable {
    case hardState(HardState)
    case entry(Entry)
    case truncate(keepThrough: UInt64)
    case compacted(index: UInt64, term: UInt64)

    static let headerSize = 8
    /// Largest type + body accepted: an entry at the wire limit plus its header fields.
    static let maxLength = WireLimits.default.maxEntryBytes + 64

    func append(to out: inout [UInt8]) {
        var body: [UInt8] = []
        switch self {
        case .hardState(let hs):
            body.append(1)
            body.appendVarint(hs.term)
            body.appendVarint(hs.vote.map { UInt64($0) + 1 } ?? 0)
            body.appendVarint(hs.commit)
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
        }
        out.appendFixed(UInt64(body.count), width: 4)
        out.appendFixed(UInt64(CRC32C.checksum(body)), width: 4)
        out.append(contentsOf: body)
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
                switch try r.readByte("record type") {
                case 1:
                    let term = try r.readVarint("term")
                    let vote = try r.readVarint("vote", max: UInt64(NodeID.max) + 1)
                    let commit = try r.readVarint("commit")
                    try r.expectEnd("hard state")
                    return .hardState(HardState(term: term, vote: vote == 0 ? nil : NodeID(vote - 1), commit: commit))
                case 2:
                    let index = try r.readVarint("index")
                    let term = try r.readVarint("term")
                    let kindAt = r.offset
                    let rawKind = try r.readByte("kind")
                    guard let kind = EntryKind(rawValue: rawKind) else {
                        throw WireError(.unknownKind(UInt64(rawKind)), at: kindAt, field: "entry kind")
                    }
                    return .entry(Entry(index: index, term: term, kind: kind, payload: try r.readRest("payload", limit: maxLength)))
                case 3:
                    let keep = try r.readVarint("keep through")
                    try r.expectEnd("truncate")
                    return .truncate(keepThrough: keep)
                case 4:
                    let index = try r.readVarint("index")
                    let term = try r.readVarint("term")
                    try r.expectEnd("compacted")
                    return .compacted(index: index, term: term)
                case let other:
                    throw WireError(.unknownKind(UInt64(other)), at: 0, field: "record type")
                }
            }
            return .record(record, next: start + length)
        } catch {
            return .bad("record does not parse: \(error)")
        }
    }

    private static func fixed(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << UInt64(8 * $1) }
    }
}
