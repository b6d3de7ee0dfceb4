import Wire

/// Seals outgoing datagrams: the 12-byte header is the associated data, the nonce is
/// (sender, key epoch, packet number) — never random, never repeated, because a sender
/// never reuses a packet number within an epoch and takes a new epoch at every start.
public struct DatagramSealer: Sendable {
    public let protection: Protection
    public let clusterID: ClusterID
    public let sender: NodeID
    public let keyEpoch: UInt16

    public init(protection: Protection, clusterID: ClusterID, sender: NodeID, keyEpoch: UInt16) {
        self.protection = protection
        self.clusterID = clusterID
        self.sender = sender
        self.keyEpoch = keyEpoch
    }

    /// sender ‖ key epoch ‖ packet number ‖ three zero bytes, little-endian like the header.
    static func nonce(sender: NodeID, epoch: UInt16, packet: PacketNumber) -> ChaChaPolyAEAD.Nonce {
        ChaChaPolyAEAD.Nonce(
            leading: UInt64(sender) | UInt64(epoch) << 16 | (packet.value & 0xFFFF_FFFF) << 32,
            trailing: UInt32(truncatingIfNeeded: packet.value >> 32))
    }

    /// A buffer to build a datagram in: room for the header, then append the payload's
    /// frames and call `seal(_:packet:ackEliciting:)`.
    public static func newDatagram(payloadCapacity: Int) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(DatagramHeader.size + payloadCapacity + DatagramHeader.tagSize)
        buffer.append(contentsOf: repeatElement(0, count: DatagramHeader.size))
        return buffer
    }

    /// Turns a buffer from `newDatagram` holding the payload into the datagram sent as
    /// packet `packet`: writes the header and, when sealed, encrypts the payload in place
    /// and appends the tag. Returns false if sealing failed (then send nothing: the
    /// message is retransmitted or reported lost like any lost packet).
    public func seal(_ buffer: inout [UInt8], packet: PacketNumber, ackEliciting: Bool) -> Bool {
        var header = DatagramHeader(
            kind: .sealed, ackEliciting: ackEliciting, clusterID: clusterID, sender: sender,
            keyEpoch: keyEpoch, packetNumber: packet)
        switch protection {
        case .insecure:
            header.kind = .plain
            return header.write(into: &buffer)
        case .sealed(let key):
            return header.write(into: &buffer)
                && key.aead.seal(&buffer, from: DatagramHeader.size, nonce: Self.nonce(sender: sender, epoch: keyEpoch, packet: packet))
        }
    }

    /// The datagram carrying `payload` (encoded frames) as packet `packet`; empty if
    /// sealing failed.
    public func seal(payload: [UInt8], packet: PacketNumber, ackEliciting: Bool) -> [UInt8] {
        var buffer = Self.newDatagram(payloadCapacity: payload.count)
        buffer += payload
        return seal(&buffer, packet: packet, ackEliciting: ackEliciting) ? buffer : []
    }
}
