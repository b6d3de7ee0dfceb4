/// How a datagram's payload is protected.
public enum DatagramKind: UInt8, Sendable {
    /// Payload encrypted with ChaCha20-Poly1305; a 16-byte tag follows it.
    case sealed = 0
    /// Payload in the clear, no tag: the explicit `insecure` mode for local benchmarks.
    case plain = 1
}

/// The fixed 12-byte header in front of every datagram; it is the AEAD's associated data,
/// and (sender, key epoch, packet number) make the nonce.
///
///     byte 0      version:4 kind:2 flags:2   (version 1; flag bit 0 = ack-eliciting)
///     bytes 1–2   cluster id        u16 LE
///     bytes 3–4   sender node id    u16 LE
///     bytes 5–6   key epoch         u16 LE
///     bytes 7–11  packet number     u40 LE
public struct DatagramHeader: Equatable, Sendable {
    public static let size = 12
    public static let version: UInt8 = 1
    public static let tagSize = 16
    static let ackElicitingFlag: UInt8 = 0b01

    public var kind: DatagramKind
    /// The receiver should acknowledge this datagram (it carries more than acks).
    public var ackEliciting: Bool
    public var clusterID: ClusterID
    public var sender: NodeID
    public var keyEpoch: UInt16
    public var packetNumber: PacketNumber

    public init(kind: DatagramKind, ackEliciting: Bool, clusterID: ClusterID, sender: NodeID, keyEpoch: UInt16, packetNumber: PacketNumber) {
        self.kind = kind
        self.ackEliciting = ackEliciting
        self.clusterID = clusterID
        self.sender = sender
        self.keyEpoch = keyEpoch
        self.packetNumber = packetNumber
    }

    public func encode(into out: inout [UInt8]) {
        out.append(firstByte)
        out.appendUInt16(clusterID)
        out.appendUInt16(sender)
        out.appendUInt16(keyEpoch)
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
            put(UInt64(sender), at: 3, width: 2)
            put(UInt64(keyEpoch), at: 5, width: 2)
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
        guard let kind = DatagramKind(rawValue: rawKind) else {
            throw WireError(.unknownKind(UInt64(rawKind)), at: reader.offset - 1, field: "datagram kind")
        }
        let flags = first & 0b11
        try reader.checkFlags(flags, allowed: ackElicitingFlag, at: reader.offset - 1, "datagram flags")
        return DatagramHeader(
            kind: kind,
            ackEliciting: flags & ackElicitingFlag != 0,
            clusterID: try reader.readUInt16("cluster id"),
            sender: try reader.readUInt16("sender"),
            keyEpoch: try reader.readUInt16("key epoch"),
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
            case .plain:
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
