/// The answer to an initiation that a node under load will not spend Diffie-Hellman on
/// (datagram kind 3 with flag bit 0), 51 bytes, fixed:
///
///     byte 0       version:4 kind:2 flags:2   (version 2, kind 3, flags 0b01)
///     bytes 1–2    cluster id                 u16 LE
///     bytes 3–6    receiver's session index   u32 LE (the initiation's sender index)
///     bytes 7–18   nonce (12 random bytes)
///     bytes 19–50  the cookie (16) sealed with ChaCha20-Poly1305 (tag 16)
///
/// Wire only lays the bytes out; the keys, the cookie and the checks are Transport's.
public struct CookieReply: Equatable, Sendable {
    public static let size = 51
    public static let nonceSize = 12
    public static let sealedCookieSize = 32
    public static let firstByte: UInt8 = DatagramHeader.version << 4 | DatagramKind.response.rawValue << 2 | 0b01

    public var clusterID: ClusterID
    public var receiverIndex: UInt32
    public var nonce: [UInt8]
    public var sealedCookie: [UInt8]

    public init(clusterID: ClusterID, receiverIndex: UInt32, nonce: [UInt8], sealedCookie: [UInt8]) {
        self.clusterID = clusterID
        self.receiverIndex = receiverIndex
        self.nonce = nonce
        self.sealedCookie = sealedCookie
    }

    /// Whether a datagram's first byte says it is a cookie reply (and not a response).
    public static func isCookieReply(_ datagram: [UInt8]) -> Bool { datagram.first == firstByte }

    /// Bytes 0–6 for these fields.
    public static func header(clusterID: ClusterID, receiverIndex: UInt32) -> [UInt8] {
        var out: [UInt8] = [firstByte]
        out.appendUInt16(clusterID)
        out.appendFixed(UInt64(receiverIndex), width: 4)
        return out
    }

    /// All bytes; empty if the nonce or the sealed cookie has the wrong size.
    public func encode() -> [UInt8] {
        guard nonce.count == Self.nonceSize, sealedCookie.count == Self.sealedCookieSize else { return [] }
        return Self.header(clusterID: clusterID, receiverIndex: receiverIndex) + nonce + sealedCookie
    }

    public static func decode(_ datagram: [UInt8]) throws(WireError) -> CookieReply {
        guard datagram.count == size else {
            throw WireError(datagram.count < size ? .truncated : .trailingBytes(count: datagram.count - size), at: min(datagram.count, size), field: "cookie reply")
        }
        return try datagram.withWireReader { (r) throws(WireError) -> CookieReply in
            let first = try r.readByte("datagram version")
            guard first == firstByte else {
                throw WireError(.unknownKind(UInt64(first)), at: 0, field: "cookie reply first byte")
            }
            return CookieReply(
                clusterID: try r.readUInt16("cluster id"),
                receiverIndex: UInt32(truncatingIfNeeded: try r.readFixed("receiver index", width: 4)),
                nonce: try r.readBytes("nonce", count: nonceSize),
                sealedCookie: try r.readBytes("sealed cookie", count: sealedCookieSize))
        }
    }
}
