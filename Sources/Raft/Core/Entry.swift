import Wire

/// A log entry with its position.
public struct Entry: Equatable, Sendable {
    /// The one entry-size limit (`WireLimits.maxEntryBytes`): the largest payload a
    /// proposal may carry, the largest AppendEntries carries, and the write-ahead log stores.
    public static let maxPayloadBytes = WireLimits.default.maxEntryBytes

    public var index: UInt64
    public var term: UInt64
    public var kind: EntryKind
    public var payload: [UInt8]

    public init(index: UInt64, term: UInt64, kind: EntryKind, payload: [UInt8] = []) {
        self.index = index
        self.term = term
        self.kind = kind
        self.payload = payload
    }

    var wire: LogEntry { LogEntry(term: term, kind: kind, payload: payload) }
}
