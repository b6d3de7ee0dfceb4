import Crypto
import Wire

/// mac1 and mac2 of handshake messages (WireGuard's construction, with SHA-256).
///
/// mac1: HMAC-SHA256 keyed with SHA-256("mac1----" ‖ receiver's public key [‖ psk]), over
/// every byte before it, truncated to 16 bytes. Without a psk anyone who knows the
/// receiver's public key can compute it; with one, only cluster members — either way it
/// lets the receiver drop noise and forgeries before any Diffie-Hellman.
///
/// mac2 (initiations only): HMAC-SHA256 keyed with a cookie the receiver gave this source
/// address (`CookieChecker`), over bytes 0–129 (mac1 included), truncated to 16; zeros
/// without a cookie. It proves the sender receives datagrams at the address it sends from.
public enum HandshakeMAC {
    static let label = Array("mac1----".utf8)
    static let size = 16

    /// The mac1 key for messages to the node with this public key.
    static func key(for receiver: NodePublicKey, psk: [UInt8]? = nil) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: label + receiver.bytes + (psk ?? [])))
    }

    static func mac(_ bytes: ArraySlice<UInt8>, key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(size))
    }

    /// Where a handshake message's mac1 starts (the initiation's mac2 follows it).
    static func mac1Offset(of message: [UInt8]) -> Int {
        DatagramKind.of(message) == .initiation ? HandshakeInitiation.mac1Offset : message.count - size
    }

    /// `message` (a whole handshake message) with its mac1 for `receiver` written in
    /// (fuzzers, tests); an initiation's mac2 is left as it is.
    public static func withMAC(_ message: [UInt8], to receiver: NodePublicKey, psk: ClusterKey? = nil) -> [UInt8] {
        let offset = mac1Offset(of: message)
        guard offset > 0, message.count >= offset + size else { return message }
        var out = message
        out.replaceSubrange(offset..<(offset + size), with: mac(message[..<offset], key: key(for: receiver, psk: psk?.bytes)))
        return out
    }

    /// Whether `message` carries its mac1 under `key` (compared in constant time).
    static func verify(_ message: [UInt8], key: SymmetricKey) -> Bool {
        let offset = mac1Offset(of: message)
        guard offset > 0, message.count >= offset + size else { return false }
        return equal(mac(message[..<offset], key: key), message[offset..<(offset + size)])
    }

    /// An initiation's mac2 under `cookie` (bytes 130–145 over bytes 0–129).
    static func mac2(_ initiation: [UInt8], cookie: [UInt8]) -> [UInt8] {
        mac(initiation[..<min(HandshakeInitiation.mac2Offset, initiation.count)], key: SymmetricKey(data: cookie))
    }

    /// Whether an initiation's mac2 is the one for `cookie` (constant time).
    static func verifyMAC2(_ initiation: [UInt8], cookie: [UInt8]) -> Bool {
        guard initiation.count == HandshakeInitiation.size else { return false }
        return equal(mac2(initiation, cookie: cookie), initiation[HandshakeInitiation.mac2Offset...])
    }

    static func equal(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}

/// What the handshake authenticates beyond the Noise messages: the protocol label and the
/// initiation's clear header (cluster, claimed sender, sender index), as Noise's prologue.
enum HandshakePrologue {
    static let label = Array("EdgeRaft session v2".utf8)

    static func initiation(_ header: [UInt8]) -> [UInt8] { label + header }
}
