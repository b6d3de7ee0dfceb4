import Crypto
import Foundation
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

    static func nonce(sender: NodeID, epoch: UInt16, packet: PacketNumber) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendUInt16(sender)
        bytes.appendUInt16(epoch)
        bytes.appendFixed(packet.value, width: 5)
        return bytes + [0, 0, 0]
    }

    /// The datagram carrying `payload` (encoded frames) as packet `packet`.
    public func seal(payload: [UInt8], packet: PacketNumber, ackEliciting: Bool) -> [UInt8] {
        var header = DatagramHeader(
            kind: .sealed, ackEliciting: ackEliciting, clusterID: clusterID, sender: sender,
            keyEpoch: keyEpoch, packetNumber: packet)
        var out: [UInt8] = []
        out.reserveCapacity(DatagramHeader.size + payload.count + DatagramHeader.tagSize)
        switch protection {
        case .insecure:
            header.kind = .plain
            header.encode(into: &out)
            out += payload
        case .sealed(let key):
            header.encode(into: &out)
            let nonce = Self.nonce(sender: sender, epoch: keyEpoch, packet: packet)
            // Sealing cannot fail for a 32-byte key and a 12-byte nonce; if it ever did,
            // sending nothing is the safe outcome (the message times out as lost).
            guard let chachaNonce = try? ChaChaPoly.Nonce(data: nonce),
                  let box = try? ChaChaPoly.seal(payload, using: key.key, nonce: chachaNonce, authenticating: out)
            else { return [] }
            out += box.ciphertext
            out += box.tag
        }
        return out
    }
}
