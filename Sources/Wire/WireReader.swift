/// A bounds-checked cursor over borrowed bytes.
///
/// Every read checks the remaining length first and throws `WireError` instead of
/// trapping; offsets in errors are absolute positions in the original input. A reader is
/// only valid inside the `withUnsafeBytes` call that produced its buffer.
public struct WireReader {
    let bytes: UnsafeRawBufferPointer
    /// Absolute position of the next byte to read.
    public private(set) var offset: Int
    /// Absolute position one past the last byte this reader may read.
    public let end: Int
    public let limits: WireLimits

    public init(_ bytes: UnsafeRawBufferPointer, limits: WireLimits = .default) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
        self.limits = limits
    }

    private init(bytes: UnsafeRawBufferPointer, offset: Int, end: Int, limits: WireLimits) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
        self.limits = limits
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    public mutating func readByte(_ field: StaticString) throws(WireError) -> UInt8 {
        guard offset < end else { throw WireError(.truncated, at: offset, field: field) }
        let byte = bytes[offset]
        offset += 1
        return byte
    }

    /// An unsigned LEB128 varint in its shortest form.
    public mutating func readVarint(_ field: StaticString) throws(WireError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw WireError(.truncated, at: offset, field: field) }
            let byte = bytes[offset]
            offset += 1
            let payload = UInt64(byte & 0x7F)
            if shift == 63 && payload > 1 {
                throw WireError(.varintOverflow, at: start, field: field)
            }
            value |= payload << shift
            if byte & 0x80 == 0 {
                // A zero final byte after the first means a longer form than needed.
                if byte == 0 && offset - start > 1 {
                    throw WireError(.varintOverlong, at: start, field: field)
                }
                return value
            }
            shift += 7
            if shift > 63 { throw WireError(.varintOverflow, at: start, field: field) }
        }
    }

    /// A varint that must not exceed `maximum`.
    public mutating func readVarint(_ field: StaticString, max maximum: UInt64) throws(WireError) -> UInt64 {
        let start = offset
        let value = try readVarint(field)
        guard value <= maximum else { throw WireError(.valueOutOfRange(value), at: start, field: field) }
        return value
    }

    /// A term or log index, bounded by `limits.maxTermOrIndex`.
    public mutating func readTermOrIndex(_ field: StaticString) throws(WireError) -> UInt64 {
        try readVarint(field, max: limits.maxTermOrIndex)
    }

    /// A length or count that must not exceed `limit`; checked before anything is allocated.
    public mutating func readCount(_ field: StaticString, limit: Int) throws(WireError) -> Int {
        let start = offset
        let value = try readVarint(field)
        guard value <= UInt64(limit) else {
            throw WireError(.lengthOverLimit(length: value, limit: limit), at: start, field: field)
        }
        return Int(value)
    }

    public mutating func readUInt16(_ field: StaticString) throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw WireError(.truncated, at: offset, field: field) }
        let value = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
        offset += 2
        return value
    }

    /// A little-endian unsigned integer of `width` bytes (1...8).
    public mutating func readFixed(_ field: StaticString, width: Int) throws(WireError) -> UInt64 {
        guard remaining >= width else { throw WireError(.truncated, at: offset, field: field) }
        var value: UInt64 = 0
        for i in 0..<width {
            value |= UInt64(bytes[offset + i]) << UInt64(8 * i)
        }
        offset += width
        return value
    }

    /// A varint length (at most `limit`) followed by that many bytes.
    public mutating func readLengthPrefixedBytes(_ field: StaticString, limit: Int) throws(WireError) -> [UInt8] {
        let count = try readCount(field, limit: limit)
        return try readBytes(field, count: count)
    }

    /// Exactly `count` bytes; the caller has already checked `count` against a limit.
    public mutating func readBytes(_ field: StaticString, count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw WireError(.truncated, at: offset, field: field) }
        let result = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
        offset += count
        return result
    }

    /// All bytes up to this reader's end (at most `limit`).
    public mutating func readRest(_ field: StaticString, limit: Int) throws(WireError) -> [UInt8] {
        guard remaining <= limit else {
            throw WireError(.lengthOverLimit(length: UInt64(remaining), limit: limit), at: offset, field: field)
        }
        return try readBytes(field, count: remaining)
    }

    /// A varint length (at most `limit`) followed by that many bytes of valid UTF-8.
    public mutating func readString(_ field: StaticString, limit: Int) throws(WireError) -> String {
        let count = try readCount(field, limit: limit)
        guard remaining >= count else { throw WireError(.truncated, at: offset, field: field) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        guard let text = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw WireError(.invalidUTF8, at: offset, field: field)
        }
        offset += count
        return text
    }

    /// Borrow the next `count` bytes as raw memory without copying.
    public mutating func readRaw(_ field: StaticString, count: Int) throws(WireError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw WireError(.truncated, at: offset, field: field) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// A reader over the next `length` bytes; this reader moves past them.
    public mutating func subReader(_ field: StaticString, length: Int) throws(WireError) -> WireReader {
        guard length >= 0, remaining >= length else { throw WireError(.truncated, at: offset, field: field) }
        let sub = WireReader(bytes: bytes, offset: offset, end: offset + length, limits: limits)
        offset += length
        return sub
    }

    /// Throws unless every byte has been read.
    public func expectEnd(_ field: StaticString) throws(WireError) {
        if offset < end { throw WireError(.trailingBytes(count: end - offset), at: offset, field: field) }
    }

    /// Throws if `flags` has any bit outside `allowed`.
    public func checkFlags(_ flags: UInt8, allowed: UInt8, at position: Int, _ field: StaticString) throws(WireError) {
        if flags & ~allowed != 0 { throw WireError(.badFlags(flags), at: position, field: field) }
    }
}

extension WireReader {
    /// A term or index sent as a zigzag delta from `base`; the result must be within limits.
    public mutating func readDelta(_ field: StaticString, from base: UInt64) throws(WireError) -> UInt64 {
        let start = offset
        let value = applyZigzagDelta(try readVarint(field), to: base)
        guard value <= limits.maxTermOrIndex else {
            throw WireError(.valueOutOfRange(value), at: start, field: field)
        }
        return value
    }

    /// A node id sent as a varint.
    public mutating func readNodeID(_ field: StaticString) throws(WireError) -> NodeID {
        NodeID(try readVarint(field, max: UInt64(NodeID.max)))
    }
}

extension Array where Element == UInt8 {
    /// Runs `body` with a reader over these bytes. (The standard library's
    /// `withUnsafeBytes` does not carry typed throws, hence the Result.)
    // Inlinable so that callers in other modules get it specialized for their `T`: the
    // generic version costs a metadata lookup and witness calls on every datagram.
    @inlinable
    public func withWireReader<T>(
        limits: WireLimits = .default, _ body: (inout WireReader) throws(WireError) -> T
    ) throws(WireError) -> T {
        let result: Result<T, WireError> = withUnsafeBytes { raw in
            var reader = WireReader(raw, limits: limits)
            do throws(WireError) {
                return .success(try body(&reader))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
