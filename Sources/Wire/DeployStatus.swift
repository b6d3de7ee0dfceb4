/// Where a placed service stands on its chosen node.
///
/// Encoded as a status byte (0 accepted, 1 running, 2 failed, 3 removed); a failure is
/// followed by its reason as a string.
public enum DeployStatus: Equatable, Sendable, Hashable {
    /// The node took the request and is starting the service.
    case accepted
    /// The container engine reports the service running.
    case running
    /// The node could not start it.
    case failed(reason: String)
    /// Undeployed: a gateway asks for it (in a DeployAck to the leader), the leader logs it
    /// in an outcome entry, and the node running it stops it.
    case removed

    public func encode(into out: inout [UInt8]) {
        switch self {
        case .accepted: out.append(0)
        case .running: out.append(1)
        case .failed(let reason):
            out.append(2)
            out.appendString(reason)
        case .removed: out.append(3)
        }
    }

    public static func decode(from reader: inout WireReader) throws(WireError) -> DeployStatus {
        let at = reader.offset
        switch try reader.readByte("deploy status") {
        case 0: return .accepted
        case 1: return .running
        case 2: return .failed(reason: try reader.readString("failure reason", limit: reader.limits.maxTextBytes))
        case 3: return .removed
        case let other: throw WireError(.unknownKind(UInt64(other)), at: at, field: "deploy status")
        }
    }
}
