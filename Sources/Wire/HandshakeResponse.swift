/// The second handshake message (datagram kind 3), 75 bytes, fixed:
///
///     byte 0       version:4 kind:2 flags:2   (version 2, kind 3, flags 0)
///     bytes 1–2    cluster id                 u16 LE
///     bytes 3–6    sender's session index     u32 LE
///     bytes 7–10   receiver's session index   u32 LE (the initiation's sender index)
///     bytes 11–58  Noise message 2: ephemeral key (32), sealed empty payload (16)
///     bytes 59–74  mac1 over bytes 0–58
public struct HandshakeResponse: Equatable, Sendable {
    public static let size = 75
    public static let noiseSize = 48
    public static let macSize = 16
    public static let headerSize = 11

    public var clusterID: ClusterID
    public var senderIndex: UInt32
    public var receiverIndex: UInt32
    public var noise: [UInt8]
    public var mac1: [UInt8]

    public init(clusterID: ClusterID, senderIndex: UInt32, receiverIndex: UInt32, noise: [UInt8], mac1: [UInt8]) {
        self.clusterID = clusterID
        self.senderIndex = senderIndex
        self.receiverIndex = receiverIndex
        self.noise = noise
        self.mac1 = mac1
    }

    public static func header(clusterID: ClusterID, senderIndex: UInt32, receiverIndex: UInt32) -> [UInt8] {
        var out: [UInt8] = [DatagramHeader.version << 4 | DatagramKind.response.rawValue << 2]
        out.appendUInt16(clusterID)
        out.appendFixed(UInt64(senderIndex), width: 4)
        out.appendFixed(UInt64(receiverIndex), width: 4)
        return out
    }

    /// All bytes; empty if the Noise part or the mac has the wrong size.
    public func encode() -> [UInt8] {
        guard noise.count == Self.noiseSize, mac1.count == Self.macSize else { return [] }
        return Self.header(clusterID: clusterID, senderIndex: senderIndex, receiverIndex: receiverIndex) + noise + mac1
    }

    public static func decode(_ datagram: [UInt8]) throws(WireError) -> HandshakeResponse {
        guard datagram.count == size else {
            throw WireError(datagram.count < size ? .truncated : .trailingBytes(count: datagram.count - size), at: min(datagram.count, size), field: "handshake response")
        }
        return try datagram.withWireReader { (r) throws(WireError) -> HandshakeResponse in
            let first = try r.readByte("datagram version")
            guard first == DatagramHeader.version << 4 | DatagramKind.response.rawValue << 2 else {
                throw WireError(.unknownKind(UInt64(first)), at: 0, field: "handshake response first byte")
            }
            return HandshakeResponse(
                clusterID: try r.readUInt16("cluster id"),
                senderIndex: UInt32(truncatingIfNeeded: try r.readFixed("sender index", width: 4)),
                receiverIndex: UInt32(truncatingIfNeeded: try r.readFixed("receiver index", width: 4)),
                noise: try r.readBytes("noise message", count: noiseSize),
                mac1: try r.readBytes("mac1", count: macSize))
        }
    }
}
