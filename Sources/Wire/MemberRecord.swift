/// A node's roster record: what every other node needs to reach and authenticate it. It
/// rides in the membership entry that adds the node (docs/wire-format.md §6.4), so the
/// roster is decided by the log, and in the MemberChange frame that asks for that entry.
///
/// Encoding: node, flags u8 (bit 0: a public key follows), address string(64),
/// [public key: 32 bytes]. Wire checks the form only; Node checks that the address parses
/// and the key is an X25519 key.
public struct MemberRecord: Equatable, Sendable {
    public static let maxAddressBytes = 64
    public static let publicKeyBytes = 32
    static let keyPresentFlag: UInt8 = 0x01

    public var node: NodeID
    /// `HOST:PORT` of the node's UDP transport.
    public var address: String
    /// The node's X25519 static public key; nil in an insecure cluster.
    public var publicKey: [UInt8]?

    public init(node: NodeID, address: String, publicKey: [UInt8]?) {
        self.node = node
        self.address = address
        self.publicKey = publicKey
    }

    public func encode(into out: inout [UInt8]) {
        out.appendVarint(UInt64(node))
        out.append(publicKey == nil ? 0 : Self.keyPresentFlag)
        out.appendString(address)
        if let publicKey { out.append(contentsOf: publicKey) }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    public static func decode(from reader: inout WireReader) throws(WireError) -> MemberRecord {
        let node = try reader.readNodeID("member node")
        let flagsAt = reader.offset
        let flags = try reader.readByte("member flags")
        try reader.checkFlags(flags, allowed: keyPresentFlag, at: flagsAt, "member flags")
        let address = try reader.readString("member address", limit: maxAddressBytes)
        let key = flags & keyPresentFlag != 0 ? try reader.readBytes("member public key", count: publicKeyBytes) : nil
        return MemberRecord(node: node, address: address, publicKey: key)
    }

    /// Decodes bytes that hold exactly one record.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> MemberRecord {
        try bytes.withWireReader(limits: limits) { (reader) throws(WireError) -> MemberRecord in
            let record = try decode(from: &reader)
            try reader.expectEnd("member record")
            return record
        }
    }
}
