/// An index and the term of the entry there.
public struct LogPosition: Equatable, Sendable, Hashable {
    public var index: UInt64
    public var term: UInt64

    public init(index: UInt64, term: UInt64) {
        self.index = index
        self.term = term
    }

    public static let zero = LogPosition(index: 0, term: 0)
}
