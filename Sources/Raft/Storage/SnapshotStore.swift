import Wire

/// The node's latest snapshot in one file, replaced atomically.
///
///     file = "ERSN" version:u8(1) index:varint term:varint membership-length:varint
///            membership data-length:varint data crc32c:u32 LE (of everything before it)
public struct SnapshotStore {
    public let directory: String
    public let maxBytes: Int
    let fileSystem: any FileSystem
    public var path: String { directory + "/snapshot.bin" }

    static let magic: [UInt8] = Array("ERSN".utf8)

    public init(directory: String, maxBytes: Int = 64 * 1024 * 1024 + 4096, fileSystem: any FileSystem = PosixFileSystem()) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.maxBytes = maxBytes
    }

    public func save(_ snapshot: Snapshot) throws(StorageError) {
        var bytes = Self.magic + [1]
        bytes.appendVarint(snapshot.position.index)
        bytes.appendVarint(snapshot.position.term)
        bytes.appendLengthPrefixed(snapshot.membership.encoded())
        bytes.appendLengthPrefixed(snapshot.data)
        bytes.appendFixed(UInt64(CRC32C.checksum(bytes)), width: 4)
        // `load` refuses a file over the limit: refuse it here, before writing anything.
        guard bytes.count <= maxBytes else {
            throw StorageError.tooLarge(what: "snapshot at \(snapshot.position.index)", bytes: bytes.count, limit: maxBytes)
        }
        try fileSystem.writeAtomically(bytes, to: path, directory: directory)
    }

    /// The stored snapshot, nil if there is none; a damaged file is an error, never skipped.
    public func load() throws(StorageError) -> Snapshot? {
        guard let bytes = try fileSystem.readAll(path, limit: maxBytes) else { return nil }
        guard bytes.count >= Self.magic.count + 5, Array(bytes.prefix(4)) == Self.magic else {
            throw StorageError.corrupt(path: path, offset: 0, reason: "not a snapshot file")
        }
        let body = bytes.dropLast(4)
        let stored = bytes.suffix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32($1.offset * 8) }
        guard CRC32C.checksum(body) == stored else {
            throw StorageError.corrupt(path: path, offset: body.count, reason: "checksum mismatch")
        }
        do {
            return try Array(body).withWireReader { (r) throws(WireError) -> Snapshot in
                _ = try r.readFixed("magic", width: 4)
                let version = try r.readByte("version")
                guard version == 1 else { throw WireError(.unsupportedVersion(version), at: 4, field: "snapshot version") }
                let index = try r.readVarint("index", max: WALRecord.maxNumber)
                let term = try r.readVarint("term", max: WALRecord.maxNumber)
                let membershipLength = try r.readCount("membership length", limit: 4096)
                var inner = try r.subReader("membership", length: membershipLength)
                let membership = try Membership.decode(from: &inner)
                try inner.expectEnd("membership")
                let data = try r.readLengthPrefixedBytes("data", limit: maxBytes)
                try r.expectEnd("snapshot file")
                return Snapshot(position: LogPosition(index: index, term: term), membership: membership, data: data)
            }
        } catch {
            throw StorageError.corrupt(path: path, offset: error.offset, reason: error.description)
        }
    }
}
