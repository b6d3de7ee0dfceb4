/// Appending primitives for encoders: every encoder writes into a caller-supplied buffer,
/// so a caller that reuses one buffer encodes without allocating.
extension Array where Element == UInt8 {
    /// An unsigned LEB128 varint in its shortest form.
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func appendVarint(_ value: Int) {
        appendVarint(UInt64(truncatingIfNeeded: value))
    }

    public mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// The low `width` bytes of `value`, little-endian.
    public mutating func appendFixed(_ value: UInt64, width: Int) {
        for i in 0..<width {
            append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i)))
        }
    }

    /// A varint length followed by the bytes.
    public mutating func appendLengthPrefixed(_ bytes: [UInt8]) {
        appendVarint(bytes.count)
        append(contentsOf: bytes)
    }

    /// A varint byte length followed by the UTF-8 bytes.
    public mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            appendVarint(utf8.count)
            append(contentsOf: utf8)
        }
    }
}

/// Bytes a varint of `value` takes.
public func varintSize(_ value: UInt64) -> Int {
    var v = value
    var n = 1
    while v >= 0x80 { v >>= 7; n += 1 }
    return n
}

/// Differences that may run either way (a term below another, a commit ahead of or behind
/// an index) are sent as a wrapping difference, zigzag-coded so that small ones of either
/// sign take one byte. Wrapping makes the mapping a bijection on UInt64, so every pair of
/// values has exactly one encoding.
public func zigzagDelta(from base: UInt64, to value: UInt64) -> UInt64 {
    let d = Int64(bitPattern: value &- base)
    return UInt64(bitPattern: (d << 1) ^ (d >> 63))
}

public func applyZigzagDelta(_ encoded: UInt64, to base: UInt64) -> UInt64 {
    let d = Int64(bitPattern: encoded >> 1) ^ -Int64(bitPattern: encoded & 1)
    return base &+ UInt64(bitPattern: d)
}
