/// What a log entry holds. Raft itself only tells `noop` and `membership` apart from the
/// rest; the orchestrator's payloads are `decision` and `outcome`.
public enum EntryKind: UInt8, Sendable, CaseIterable {
    /// The empty entry a new leader appends to commit its term.
    case noop = 0
    /// A membership change (its payload is Raft's own).
    case membership = 1
    /// A placement decision (`DecisionEntry`).
    case decision = 2
    /// A deployment's outcome (`OutcomeEntry`).
    case outcome = 3
}

/// One replicated log entry as it travels. Its index is not sent: entry i of a batch has
/// index prevLogIndex + 1 + i.
public struct LogEntry: Equatable, Sendable {
    public var term: UInt64
    public var kind: EntryKind
    public var payload: [UInt8]

    public init(term: UInt64, kind: EntryKind, payload: [UInt8] = []) {
        self.term = term
        self.kind = kind
        self.payload = payload
    }
}
