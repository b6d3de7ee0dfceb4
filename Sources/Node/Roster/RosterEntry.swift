import Transport
import Wire

/// How this node reaches and authenticates one member: its UDP address and X25519 key
/// (nil in an insecure cluster). From the configured roster, or from the member record
/// in the membership entry that added the node.
public struct RosterEntry: Equatable, Sendable {
    public var address: SocketAddress
    public var addressText: String
    public var publicKey: NodePublicKey?

    public init(address: String, publicKey: NodePublicKey?) throws(RosterRecordError) {
        // The configuration's own rule for a peer address (parses, port above 0, no wildcard).
        if let problem = NodeConfigValidation.addressProblem(address, wildcardAllowed: false) { throw .badAddress(address, problem) }
        do { self.address = try SocketAddress(address) } catch {
            throw .badAddress(address, error.description)
        }
        self.addressText = address
        self.publicKey = publicKey
    }

    /// The entry a member record describes, checked: the address parses with a port, and
    /// the key (if any) is an X25519 public key.
    public init(record: MemberRecord) throws(RosterRecordError) {
        var key: NodePublicKey?
        if let bytes = record.publicKey {
            guard let parsed = NodePublicKey(bytes: bytes) else { throw .badPublicKey }
            key = parsed
        }
        try self.init(address: record.address, publicKey: key)
    }

    /// The member record of node `id` at this entry.
    public func record(for id: NodeID) -> MemberRecord {
        MemberRecord(node: id, address: addressText, publicKey: publicKey?.bytes)
    }
}

/// Why a member record does not give a roster entry.
public enum RosterRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    case badAddress(String, String)
    case badPublicKey
    /// The record's bytes do not decode (docs/wire-format.md §6.4).
    case malformed(WireError)
    /// The record names another node than the one the change adds.
    case otherNode(NodeID)

    public var description: String {
        switch self {
        case .badAddress(let text, let problem): "address \(text): \(problem)"
        case .badPublicKey: "the public key is not an X25519 public key"
        case .malformed(let error): "the member record does not decode (\(error))"
        case .otherNode(let node): "the member record is node \(node)'s"
        }
    }
}
