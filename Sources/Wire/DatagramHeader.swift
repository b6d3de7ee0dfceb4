/// What a datagram is: the two bits after the version in its first byte.
public enum DatagramKind: UInt8, Sendable {
    /// Payload encrypted with the session's ChaCha20-Poly1305 key; a 16-byte tag follows it.
    case sealed = 0
    /// Payload in the clear, no tag: the explicit `insecure` mode for local benchmarks.
    case plain = 1
    /// The first message of a session handshake (`HandshakeInitiation`).
    case initiation = 2
    /// The second message of a session handshake (`HandshakeResponse`).
    case response = 3

    /// The kind named by a datagram's first byte, if its version is this one.
    public static func of(_ datagram: [UInt8]) -> DatagramKind? {
        guard let first = datagram.first, first >> 4 == DatagramHeader.version else { return nil }
        return DatagramKind(rawValue: (first >> 2) & 0b11)
    }
}

/// The fixed 12-byte header in front of every data datagram; it is the AEAD's associated
/// data, and the packet number is the nonce's counter within the session.
///
///     byte 0      version:4 kind:2 flags:2   (version 2; flag bit 0 = ack-eliciting)
///     bytes 1–2   cluster id                 u16 LE
///     bytes 3–6   receiver's session index   u32 LE (plain: the sender's node id)
///     bytes 7–11  packet number              u40 LE
public struct DatagramHeader: Equatable, Sendable {
    public static let size = 12
    public static let version: UInt8 = 2
    public static let tagSize = 16
    static let ackElicitingFlag: UInt8 = 0b01

    public var kind: DatagramKind
    /// The receiver should acknowledge this datagram (it carries more than acks).
    public var ackEliciting: Bool
    public var clusterID: ClusterID
    /// The index the receiver gave the session, so it finds the keys without trying any;
    /// in a plain datagram, the sender's node id.
    public var receiverIndex: UInt32
    public var packetNumber: PacketNumber

    public init(kind: DatagramKind, ackEliciting: Bool, clusterID: ClusterID, receiverIndex: UInt32, packetNumber: PacketNumber) {
        self.kind = kind
        self.ackEliciting = ackEliciting
        self.clusterID = clusterID
        self.receiverIndex = receiverIndex
        self.packetNumber = packetNumber
    }

    public func encode(into out: inout [UInt8]) {
        out.append(firstByte)
        out.appendUInt16(clusterID)
        out.appendFixed(UInt64(receiverIndex), width: 4)
        out.appendFixed(packetNumber.value, width: 5)
    }

    /// Overwrites the first `size` bytes of `buffer` with this header: datagrams are built
    /// with room for it in front. Returns false, writing nothing, if the buffer is shorter.
    @discardableResult
    public func write(into buffer: inout [UInt8]) -> Bool {
        guard buffer.count >= Self.size else { return false }
        buffer.withUnsafeMutableBufferPointer { out in
            func put(_ value: UInt64, at offset: Int, width: Int) {
                for i in 0..<width { out[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
            }
            out[0] = firstByte
            put(UInt64(clusterID), at: 1, width: 2)
            put(UInt64(receiverIndex), at: 3, width: 4)
            put(packetNumber.value, at: 7, width: 5)
        }
        return true
    }

    private var firstByte: UInt8 {
        Self.version << 4 | kind.rawValue << 2 | (ackEliciting ? Self.ackElicitingFlag : 0)
    }

    public static func decode(from reader: inout WireReader) throws(WireError) -> DatagramHeader {
        let first = try reader.readByte("datagram version")
        let version = first >> 4
        guard version == Self.version else {
            throw WireError(.unsupportedVersion(version), at: reader.offset - 1, field: "datagram version")
        }
        let rawKind = (first >> 2) & 0b11
        guard let kind = DatagramKind(rawValue: rawKind), kind == .sealed || kind == .plain else {
            throw WireError(.unknownKind(UInt64(rawKind)), at: reader.offset - 1, field: "datagram kind")
        }
        let flags = first & 0b11
        try reader.checkFlags(flags, allowed: ackElicitingFlag, at: reader.offset - 1, "datagram flags")
        return DatagramHeader(
            kind: kind,
            ackEliciting: flags & ackElicitingFlag != 0,
            clusterID: try reader.readUInt16("cluster id"),
            receiverIndex: UInt32(truncatingIfNeeded: try reader.readFixed("receiver index", width: 4)),
            packetNumber: PacketNumber(unchecked: try reader.readFixed("packet number", width: 5)))
    }
}

/// A whole datagram split into its parts, without decrypting anything.
public struct DatagramParts: Equatable, Sendable {
    public var header: DatagramHeader
    /// Frames in the clear (`plain`), or ciphertext (`sealed`).
    public var body: [UInt8]
    /// The AEAD tag of a `sealed` datagram.
    public var tag: [UInt8]?

    /// Checks the size limit and the header, and splits off the tag.
    public static func split(_ datagram: [UInt8], limits: WireLimits = .default) throws(WireError) -> DatagramParts {
        guard datagram.count <= limits.maxDatagramBytes else {
            throw WireError(
                .lengthOverLimit(length: UInt64(datagram.count), limit: limits.maxDatagramBytes),
                at: 0, field: "datagram")
        }
        return try datagram.withWireReader(limits: limits) { (reader) throws(WireError) -> DatagramParts in
            let header = try DatagramHeader.decode(from: &reader)
            switch header.kind {
            case .plain, .initiation, .response:
                return DatagramParts(header: header, body: try reader.readBytes("payload", count: reader.remaining), tag: nil)
            case .sealed:
                guard reader.remaining >= DatagramHeader.tagSize else {
                    throw WireError(.truncated, at: reader.offset, field: "auth tag")
                }
                let body = try reader.readBytes("ciphertext", count: reader.remaining - DatagramHeader.tagSize)
                return DatagramParts(header: header, body: body, tag: try reader.readBytes("auth tag", count: DatagramHeader.tagSize))
            }
        }
    }

    /// Encodes a plain (unsealed) datagram: header then frames.
    public static func encodePlain(header: DatagramHeader, messages: [Message]) -> [UInt8] {
        var out: [UInt8] = []
        var plainHeader = header
        plainHeader.kind = .plain
        plainHeader.encode(into: &out)
        Payload.encode(messages, into: &out)
        return out
    }
}
