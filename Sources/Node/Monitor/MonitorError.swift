/// Why a monitor file could not be read or understood. Parsers never trap on what the
/// kernel (or a fixture) hands them; they return one of these.
public enum MonitorError: Error, Equatable, Sendable, Hashable, CustomStringConvertible {
    /// The file has no such field or line.
    case missingField(file: String, field: String)
    /// A field is there but is not what its format allows (a bounded excerpt follows).
    case malformed(file: String, field: String, text: String)
    /// The file is larger than any sane version of it.
    case tooLarge(file: String, limit: Int)
    /// A cumulative counter is lower than at the previous sample.
    case counterWentBackwards(file: String)
    /// The file could not be opened or read (errno).
    case unreadable(file: String, errno: Int32)

    public var description: String {
        switch self {
        case .missingField(let file, let field): return "\(file): no \(field)"
        case .malformed(let file, let field, let text): return "\(file): \(field) is not valid: \"\(text)\""
        case .tooLarge(let file, let limit): return "\(file): longer than \(limit) bytes"
        case .counterWentBackwards(let file): return "\(file): counters went backwards"
        case .unreadable(let file, let errno): return "\(file): cannot read (errno \(errno))"
        }
    }

    /// At most 40 characters of `text`, so that an error never carries a whole hostile file.
    static func excerpt<S: StringProtocol>(_ text: S) -> String {
        String(text.prefix(40))
    }
}

/// Decimal digits only, no sign, no overflow.
func parseDecimal<S: StringProtocol>(_ text: S) -> UInt64? {
    guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
    return UInt64(text)
}
