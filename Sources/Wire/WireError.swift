/// Why a byte string is not a valid message, and where.
///
/// Every decoder in `Wire` reports bad input with this one type. `offset` is the byte
/// position (from the start of the input handed to the decoder) at which the problem was
/// found; `field` names what was being read there.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The input ended in the middle of a field.
        case truncated
        /// A varint used more bytes than its value needs (only the shortest form is valid).
        case varintOverlong
        /// A varint does not fit in 64 bits.
        case varintOverflow
        /// A number is outside the range its field allows.
        case valueOutOfRange(UInt64)
        /// A length or count is larger than its limit; nothing was allocated for it.
        case lengthOverLimit(length: UInt64, limit: Int)
        /// A kind, type or code byte that this version does not define.
        case unknownKind(UInt64)
        /// Bytes were left over after a complete value.
        case trailingBytes(count: Int)
        /// A flag bit that is reserved, or a combination of flags that is not allowed.
        case badFlags(UInt8)
        /// The datagram's protocol version is not one this build speaks.
        case unsupportedVersion(UInt8)
        /// A text field is not valid UTF-8.
        case invalidUTF8
        /// The payload's last frame carries an explicit length (canonical form omits it),
        /// or an earlier frame omits it.
        case frameLengthForm
        /// A compressed batch is not smaller than its uncompressed form (never sent so).
        case compressionNotSmaller
        /// The deflate stream is corrupt (zlib's return code).
        case corruptCompressedData(code: Int32)
        /// The deflate stream would inflate past the declared length; inflate stopped there.
        case inflateOverrun(limit: Int)
        /// The deflate stream ended before producing the declared number of bytes.
        case inflateShort(declared: Int, actual: Int)
    }

    public let reason: Reason
    public let offset: Int
    public let field: String
    /// Set when the error lies inside the inflated bytes of a compressed entry batch: then
    /// `offset` counts from the first inflated byte, and this is where that batch's deflate
    /// stream begins in the input.
    public let inflatedFromOffset: Int?

    public init(_ reason: Reason, at offset: Int, field: StaticString) {
        self.reason = reason
        self.offset = offset
        self.field = String(describing: field)
        self.inflatedFromOffset = nil
    }

    private init(_ reason: Reason, offset: Int, field: String, inflatedFromOffset: Int?) {
        self.reason = reason
        self.offset = offset
        self.field = field
        self.inflatedFromOffset = inflatedFromOffset
    }

    /// This error, found in bytes inflated from a deflate stream at `streamOffset`.
    func insideInflatedBytes(streamOffset: Int) -> WireError {
        WireError(reason, offset: offset, field: field, inflatedFromOffset: streamOffset)
    }

    public var description: String {
        let what: String
        switch reason {
        case .truncated: what = "input ends inside the field"
        case .varintOverlong: what = "varint is not in its shortest form"
        case .varintOverflow: what = "varint overflows 64 bits"
        case .valueOutOfRange(let v): what = "value \(v) is out of range"
        case .lengthOverLimit(let length, let limit): what = "length \(length) is over the limit of \(limit)"
        case .unknownKind(let k): what = "unknown kind \(k)"
        case .trailingBytes(let n): what = "\(n) trailing byte(s) after a complete value"
        case .badFlags(let f): what = "flags 0b\(String(f, radix: 2)) are not allowed"
        case .unsupportedVersion(let v): what = "unsupported protocol version \(v)"
        case .invalidUTF8: what = "text is not valid UTF-8"
        case .frameLengthForm: what = "only the last frame omits its length, and it must"
        case .compressionNotSmaller: what = "compressed batch is not smaller than the raw batch"
        case .corruptCompressedData(let code): what = "corrupt deflate stream (zlib code \(code))"
        case .inflateOverrun(let limit): what = "deflate stream inflates past \(limit) bytes"
        case .inflateShort(let declared, let actual): what = "deflate stream gave \(actual) of \(declared) declared bytes"
        }
        if let inflatedFromOffset {
            return "\(field) at byte \(offset) of the batch inflated from the deflate stream at byte \(inflatedFromOffset): \(what)"
        }
        return "\(field) at byte \(offset): \(what)"
    }
}
