/// The leader tells a follower to start an election now (leadership transfer).
///
/// Body: term.
public struct TimeoutNow: FrameBody {
    public var term: UInt64

    public init(term: UInt64) {
        self.term = term
    }

    public static let frameKind = FrameKind.timeoutNow

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(term)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> TimeoutNow {
        TimeoutNow(term: try reader.readTermOrIndex("term"))
    }
}
