import Crypto
import Foundation

/// The Noise Protocol Framework's CipherState and SymmetricState (revision 34, §5.1–5.2)
/// for ChaChaPoly and SHA-256. Every primitive is swift-crypto's; only the framework's own
/// constructions (HKDF from HMAC, §4.3; the nonce layout, §12.3) are written here.
struct NoiseSymmetricState {
    static let hashLength = 32

    enum Failure: Error, Equatable {
        /// A ciphertext did not authenticate.
        case authentication
        /// A ciphertext shorter than its tag.
        case truncated
    }

    private(set) var chainingKey: [UInt8]
    private(set) var handshakeHash: [UInt8]
    private var key: SymmetricKey?
    private var nonce: UInt64 = 0

    /// InitializeSymmetric(protocol_name).
    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= Self.hashLength {
            handshakeHash = name + [UInt8](repeating: 0, count: Self.hashLength - name.count)
        } else {
            handshakeHash = Array(SHA256.hash(data: name))
        }
        chainingKey = handshakeHash
    }

    mutating func mixHash(_ data: [UInt8]) {
        var hasher = SHA256()
        hasher.update(data: handshakeHash)
        hasher.update(data: data)
        handshakeHash = Array(hasher.finalize())
    }

    mutating func mixKey(_ input: [UInt8]) {
        let (ck, k) = Self.hkdf2(chainingKey: chainingKey, input: input)
        chainingKey = ck
        key = SymmetricKey(data: k)
        nonce = 0
    }

    mutating func mixKeyAndHash(_ input: [UInt8]) {
        let (ck, h, k) = Self.hkdf3(chainingKey: chainingKey, input: input)
        chainingKey = ck
        mixHash(h)
        key = SymmetricKey(data: k)
        nonce = 0
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) -> [UInt8] {
        guard let key else {
            mixHash(plaintext)
            return plaintext
        }
        // A nonce made of 12 bytes and a fresh 32-byte key cannot be refused.
        guard let sealed = try? ChaChaPoly.seal(plaintext, using: key, nonce: Self.nonce(nonce), authenticating: handshakeHash)
        else { return [] }
        nonce += 1
        let ciphertext = Array(sealed.ciphertext) + Array(sealed.tag)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(Failure) -> [UInt8] {
        guard let key else {
            mixHash(ciphertext)
            return ciphertext
        }
        guard ciphertext.count >= 16 else { throw .truncated }
        let tagStart = ciphertext.count - 16
        guard let box = try? ChaChaPoly.SealedBox(nonce: Self.nonce(nonce), ciphertext: ciphertext[..<tagStart], tag: ciphertext[tagStart...]),
              let plaintext = try? ChaChaPoly.open(box, using: key, authenticating: handshakeHash)
        else { throw .authentication }
        nonce += 1
        mixHash(ciphertext)
        return Array(plaintext)
    }

    /// Split(): the initiator's sending key first, then the responder's.
    func split() -> (initiatorToResponder: [UInt8], responderToInitiator: [UInt8]) {
        let (k1, k2) = Self.hkdf2(chainingKey: chainingKey, input: [])
        return (k1, k2)
    }

    /// 32 bits of zeros, then the counter as 64 bits little-endian (§12.3).
    static func nonce(_ n: UInt64) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[4 + i] = UInt8(truncatingIfNeeded: n >> (8 * i)) }
        // 12 bytes is the one size ChaChaPoly.Nonce accepts.
        return (try? ChaChaPoly.Nonce(data: bytes)) ?? ChaChaPoly.Nonce()
    }

    static func hmac(_ key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// HKDF(chaining_key, input_key_material, 2) of §4.3.
    static func hkdf2(chainingKey: [UInt8], input: [UInt8]) -> ([UInt8], [UInt8]) {
        let temp = hmac(chainingKey, input)
        let first = hmac(temp, [0x01])
        return (first, hmac(temp, first + [0x02]))
    }

    /// HKDF(chaining_key, input_key_material, 3) of §4.3.
    static func hkdf3(chainingKey: [UInt8], input: [UInt8]) -> ([UInt8], [UInt8], [UInt8]) {
        let temp = hmac(chainingKey, input)
        let first = hmac(temp, [0x01])
        let second = hmac(temp, first + [0x02])
        return (first, second, hmac(temp, second + [0x03]))
    }
}
