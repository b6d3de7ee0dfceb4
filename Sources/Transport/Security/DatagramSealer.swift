import Wire

/// Seals one session's outgoing datagrams: the 12-byte header is the associated data and
/// the packet number is the nonce's counter. The session's link numbers its packets from 0
/// and never reuses a number, and every session has keys of its own — so no (key, nonce)
/// pair ever repeats, across peers, restarts and rekeys.
public struct DatagramSealer: Sendable {
    public let clusterID: ClusterID
    /// The index the peer gave this session (plain datagrams: this node's id).
    public let receiverIndex: UInt32
    /// The session's sending key; nil for plain datagrams (insecure mode).
    let key: ChaChaPolyAEAD?

    public init(clusterID: ClusterID, receiverIndex: UInt32, key: ChaChaPolyAEAD?) {
        self.clusterID = clusterID
        self.receiverIndex = receiverIndex
        self.key = key
    }

    /// A plain (insecure) sealer: the index field carries the sender's node id.
    public static func plain(clusterID: ClusterID, sender: NodeID) -> DatagramSealer {
        DatagramSealer(clusterID: clusterID, receiverIndex: UInt32(sender), key: nil)
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
        let header = DatagramHeader(
            kind: key == nil ? .plain : .sealed, ackEliciting: ackEliciting, clusterID: clusterID,
            receiverIndex: receiverIndex, packetNumber: packet)
        guard header.write(into: &buffer) else { return false }
        guard let key else { return true }
        return key.seal(&buffer, from: DatagramHeader.size, nonce: ChaChaPolyAEAD.Nonce(counter: packet.value))
    }

    /// The datagram carrying `payload` (encoded frames) as packet `packet`; empty if
    /// sealing failed.
    public func seal(payload: [UInt8], packet: PacketNumber, ackEliciting: Bool) -> [UInt8] {
        var buffer = Self.newDatagram(payloadCapacity: payload.count)
        buffer += payload
        return seal(&buffer, packet: packet, ackEliciting: ackEliciting) ? buffer : []
    }
}
