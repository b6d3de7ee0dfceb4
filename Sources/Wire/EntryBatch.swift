/// How an AppendEntries batch may be compressed on the way out.
public struct BatchCompression: Sendable, Equatable {
    /// zlib level, 1 (fastest) to 9 (smallest).
    public var level: Int32
    /// Batches whose encoded size is below this are never compressed.
    public var thresholdBytes: Int
    /// Compression is used only when it saves at least this many bytes.
    public var minimumSavingBytes: Int

    public init(level: Int32 = Deflate.defaultLevel, thresholdBytes: Int = 256, minimumSavingBytes: Int = 8) {
        self.level = level
        self.thresholdBytes = thresholdBytes
        self.minimumSavingBytes = minimumSavingBytes
    }
}

/// The entries of an AppendEntries body.
///
///     batch       = count (1…maxEntriesPerBatch) entry{count}
///     entry       = term-delta (zigzag from the message term) kind:u8 payload-length payload
///     compressed  = raw-length (≤ maxBatchBytes) raw-deflate(batch)
enum EntryBatch {
    static func encode(_ entries: [LogEntry], term: UInt64, into out: inout [UInt8]) {
        out.appendVarint(entries.count)
        for entry in entries {
            out.appendVarint(zigzagDelta(from: term, to: entry.term))
            out.append(entry.kind.rawValue)
            out.appendLengthPrefixed(entry.payload)
        }
    }

    /// The compressed form of `raw`, or nil where compression does not pay.
    static func compressed(_ raw: [UInt8], policy: BatchCompression) -> [UInt8]? {
        guard raw.count >= policy.thresholdBytes, let deflated = Deflate.compress(raw, level: policy.level) else {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(deflated.count + 4)
        out.appendVarint(raw.count)
        out.append(contentsOf: deflated)
        return out.count + policy.minimumSavingBytes <= raw.count ? out : nil
    }

    /// `prevLogIndex` is the message's: the last entry's index, prevLogIndex + count, must
    /// be a valid index too (≤ maxTermOrIndex), or it could never be acknowledged.
    static func decode(from reader: inout WireReader, term: UInt64, prevLogIndex: UInt64) throws(WireError) -> [LogEntry] {
        let limits = reader.limits
        if reader.remaining > limits.maxBatchBytes {
            throw WireError(
                .lengthOverLimit(length: UInt64(reader.remaining), limit: limits.maxBatchBytes),
                at: reader.offset, field: "entry batch")
        }
        let countAt = reader.offset
        let count = try reader.readCount("entry count", limit: limits.maxEntriesPerBatch)
        guard count > 0 else { throw WireError(.valueOutOfRange(0), at: countAt, field: "entry count") }
        // prevLogIndex ≤ maxTermOrIndex was checked, so this cannot underflow.
        guard UInt64(count) <= limits.maxTermOrIndex - min(prevLogIndex, limits.maxTermOrIndex) else {
            throw WireError(.valueOutOfRange(prevLogIndex + UInt64(count)), at: countAt, field: "entry count")
        }
        var entries: [LogEntry] = []
        // Each entry takes at least three bytes, so a lying count cannot reserve much.
        entries.reserveCapacity(min(count, reader.remaining / 3))
        for _ in 0..<count {
            let entryTerm = try reader.readDelta("entry term", from: term)
            let kindAt = reader.offset
            let rawKind = try reader.readByte("entry kind")
            guard let kind = EntryKind(rawValue: rawKind) else {
                throw WireError(.unknownKind(UInt64(rawKind)), at: kindAt, field: "entry kind")
            }
            let payload = try reader.readLengthPrefixedBytes("entry payload", limit: limits.maxEntryBytes)
            entries.append(LogEntry(term: entryTerm, kind: kind, payload: payload))
        }
        return entries
    }

    static func decodeCompressed(from reader: inout WireReader, term: UInt64, prevLogIndex: UInt64) throws(WireError) -> [LogEntry] {
        let limits = reader.limits
        let rawLengthAt = reader.offset
        let rawLength = try reader.readCount("raw batch length", limit: limits.maxBatchBytes)
        let streamAt = reader.offset
        let stream = try reader.readRaw("deflate stream", count: reader.remaining)
        guard reader.offset - rawLengthAt < rawLength else {
            throw WireError(.compressionNotSmaller, at: rawLengthAt, field: "raw batch length")
        }
        let raw = try Deflate.inflate(stream, limit: rawLength, at: streamAt)
        guard raw.count == rawLength else {
            throw WireError(.inflateShort(declared: rawLength, actual: raw.count), at: streamAt, field: "deflate stream")
        }
        // Offsets inside the inflated bytes count from their start; the error says so.
        do throws(WireError) {
            return try raw.withWireReader(limits: limits) { (inner) throws(WireError) -> [LogEntry] in
                let entries = try decode(from: &inner, term: term, prevLogIndex: prevLogIndex)
                try inner.expectEnd("inflated batch")
                return entries
            }
        } catch {
            throw error.insideInflatedBytes(streamOffset: streamAt)
        }
    }
}
