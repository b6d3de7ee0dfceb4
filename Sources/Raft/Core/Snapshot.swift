import Wire

/// The state machine as of `position`, with the membership in force there.
public struct Snapshot: Equatable, Sendable {
    public var position: LogPosition
    public var membership: Membership
    /// The application's own bytes.
    public var data: [UInt8]

    public init(position: LogPosition, membership: Membership, data: [UInt8]) {
        self.position = position
        self.membership = membership
        self.data = data
    }

    /// What InstallSnapshot chunks carry: the membership (length-prefixed), then the data.
    func transferBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.appendLengthPrefixed(membership.encoded())
        out.append(contentsOf: data)
        return out
    }

    static func fromTransfer(_ bytes: [UInt8], position: LogPosition) throws(WireError) -> Snapshot {
        try bytes.withWireReader { (reader) throws(WireError) -> Snapshot in
            let length = try reader.readCount("membership length", limit: 4096)
            var inner = try reader.subReader("membership", length: length)
            let membership = try Membership.decode(from: &inner)
            try inner.expectEnd("membership")
            let data = try reader.readBytes("snapshot data", count: reader.remaining)
            return Snapshot(position: position, membership: membership, data: data)
        }
    }
}
