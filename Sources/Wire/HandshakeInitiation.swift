/// The first handshake message (datagram kind 2), 146 bytes, fixed:
///
///     byte 0       version:4 kind:2 flags:2   (version 2, kind 2, flags 0)
///     bytes 1–2    cluster id                 u16 LE
///     bytes 3–4    sender node id             u16 LE
///     bytes 5–8    sender's session index     u32 LE
///     bytes 9–113  Noise message 1: ephemeral key (32), sealed static key (32 + 16),
///                  sealed payload (9 + 16): timestamp u64 LE, flags u8
///     bytes 114–129 mac1 over bytes 0–113
///     bytes 130–145 mac2 over bytes 0–129 (keyed by a cookie; zeros without one)
///
/// Wire only lays the bytes out; what they mean and how they are checked is Transport's.
public struct HandshakeInitiation: Equatable, Sendable {
    public static let size = 146
    public static let noiseSize = 105
    public static let macSize = 16
    /// Bytes 0–8: also the Noise prologue's tail, so the handshake authenticates them.
    public static let headerSize = 9

    public var clusterID: ClusterID
    public var sender: NodeID
    public var senderIndex: UInt32
    public var noise: [UInt8]
    public var mac1: [UInt8]
    public var mac2: [UInt8]
    /// Where mac1 and mac2 start: each covers every byte before it.
    public static let mac1Offset = 114
    public static let mac2Offset = 130

    public init(clusterID: ClusterID, sender: NodeID, senderIndex: UInt32, noise: [UInt8], mac1: [UInt8],
                mac2: [UInt8] = [UInt8](repeating: 0, count: macSize)) {
        self.clusterID = clusterID
        self.sender = sender
        self.senderIndex = senderIndex
        self.noise = noise
        self.mac1 = mac1
        self.mac2 = mac2
    }

    /// Bytes 0–8 for these fields.
    public static func header(clusterID: ClusterID, sender: NodeID, senderIndex: UInt32) -> [UInt8] {
        var out: [UInt8] = [DatagramHeader.version << 4 | DatagramKind.initiation.rawValue << 2]
        out.appendUInt16(clusterID)
        out.appendUInt16(sender)
        out.appendFixed(UInt64(senderIndex), width: 4)
        return out
    }

    /// All bytes; empty if the Noise part or the mac has the wrong size.
    public func encode() -> [UInt8] {
        guard noise.count == Self.noiseSize, mac1.count == Self.macSize, mac2.count == Self.macSize else { return [] }
        return Self.header(clusterID: clusterID, sender: sender, senderIndex: senderIndex) + noise + mac1 + mac2
    }

    public static func decode(_ datagram: [UInt8]) throws(WireError) -> HandshakeInitiation {
        guard datagram.count == size else {
            throw WireError(datagram.count < size ? .truncated : .trailingBytes(count: datagram.count - size), at: min(datagram.count, size), field: "handshake initiation")
        }
        return try datagram.withWireReader { (r) throws(WireError) -> HandshakeInitiation in
            let first = try r.readByte("datagram version")
            guard first == DatagramHeader.version << 4 | DatagramKind.initiation.rawValue << 2 else {
                throw WireError(.unknownKind(UInt64(first)), at: 0, field: "handshake initiation first byte")
            }
            return HandshakeInitiation(
                clusterID: try r.readUInt16("cluster id"),
                sender: try r.readUInt16("sender"),
                senderIndex: UInt32(truncatingIfNeeded: try r.readFixed("sender index", width: 4)),
                noise: try r.readBytes("noise message", count: noiseSize),
                mac1: try r.readBytes("mac1", count: macSize),
                mac2: try r.readBytes("mac2", count: macSize))
        }
    }
}
