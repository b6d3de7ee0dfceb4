/// A gateway asks the leader for one membership change (`edgeraft member add|promote|remove`
/// at a gateway that does not lead). The gateway answers its client once its own log
/// commits the change, so no answer frame exists: it sends this again until then.
///
/// Flag bits 0–1: the operation (0 add as learner, 1 add as voter, 2 promote, 3 remove).
/// Body: a member record (§6.4) for an add, a node for promote and remove.
public enum MemberChange: FrameBody {
    case add(MemberRecord, voter: Bool)
    case promote(NodeID)
    case remove(NodeID)

    public static let frameKind = FrameKind.memberChange
    public static let allowedFlags: UInt8 = 0b011

    /// The node the change is about.
    public var node: NodeID {
        switch self {
        case .add(let record, _): record.node
        case .promote(let node), .remove(let node): node
        }
    }

    public var frameFlags: UInt8 {
        switch self {
        case .add(_, let voter): voter ? 1 : 0
        case .promote: 2
        case .remove: 3
        }
    }

    public func encodeBody(into out: inout [UInt8]) {
        switch self {
        case .add(let record, _): record.encode(into: &out)
        case .promote(let node), .remove(let node): out.appendVarint(UInt64(node))
        }
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> MemberChange {
        switch flags & allowedFlags {
        case 0: .add(try MemberRecord.decode(from: &reader), voter: false)
        case 1: .add(try MemberRecord.decode(from: &reader), voter: true)
        case 2: .promote(try reader.readNodeID("node"))
        default: .remove(try reader.readNodeID("node"))
        }
    }
}
