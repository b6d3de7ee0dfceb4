import Crypto
import Wire

/// mac1 of a handshake message (WireGuard's construction, with SHA-256): HMAC-SHA256 keyed
/// with SHA-256("mac1----" ‖ receiver's public key), over every byte before the mac,
/// truncated to 16 bytes. Anyone who knows the receiver's public key can compute it, so it
/// proves nothing about the sender — it lets the receiver drop noise and forgeries from
/// those who do not, before any Diffie-Hellman.
public enum HandshakeMAC {
    static let label = Array("mac1----".utf8)
    static let size = 16

    /// The key for messages to the node with this public key.
    static func key(for receiver: NodePublicKey) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: label + receiver.bytes))
    }

    static func mac(_ bytes: ArraySlice<UInt8>, key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(size))
    }

    /// `message` (a whole handshake message) with its last 16 bytes replaced by the mac1
    /// for `receiver` (fuzzers, tests).
    public static func withMAC(_ message: [UInt8], to receiver: NodePublicKey) -> [UInt8] {
        guard message.count > size else { return message }
        let body = message[..<(message.count - size)]
        return Array(body) + mac(body, key: key(for: receiver))
    }

    /// Whether the last 16 bytes of `message` are its mac1 (compared in constant time).
    static func verify(_ message: [UInt8], key: SymmetricKey) -> Bool {
        guard message.count > size else { return false }
        let body = message[..<(message.count - size)]
        let expected = mac(body, key: key)
        var difference: UInt8 = 0
        for (a, b) in zip(expected, message[(message.count - size)...]) { difference |= a ^ b }
        return difference == 0
    }
}

/// What the handshake authenticates beyond the Noise messages: the protocol label and the
/// initiation's clear header (cluster, claimed sender, sender index), as Noise's prologue.
enum HandshakePrologue {
    static let label = Array("EdgeRaft session v2".utf8)

    static func initiation(_ header: [UInt8]) -> [UInt8] { label + header }
}
