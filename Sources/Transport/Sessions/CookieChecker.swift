import Crypto
import Wire

/// The responder's half of WireGuard's cookie mechanism. Under load a node answers an
/// initiation whose mac2 is not valid with a cookie reply instead of Diffie-Hellman; the
/// cookie is bound to the source address (HMAC-SHA256 of its bytes under a secret replaced
/// every two minutes, truncated to 16), so only a sender that receives at that address can
/// make a valid mac2 — a spoofer cannot drain the real peer's rate-limit bucket.
///
/// The reply seals the cookie with ChaCha20-Poly1305 under SHA-256("cookie--" ‖ the
/// responder's public key [‖ psk]) and a random 96-bit nonce, with the initiation's mac1
/// as associated data: the initiator takes it only for the initiation it sent.
struct CookieChecker: Sendable {
    static let label = Array("cookie--".utf8)
    static let cookieSize = 16
    /// How long a secret makes cookies (WireGuard's 120 s).
    static let secretLifetimeMicros: UInt64 = 120_000_000

    private var secret: SymmetricKey?
    private var secretSince: UInt64 = 0
    private let sealKey: SymmetricKey

    init(localPublicKey: NodePublicKey, psk: [UInt8]?) {
        sealKey = Self.sealKey(for: localPublicKey, psk: psk)
    }

    /// The key cookie replies from the node with this public key are sealed with.
    static func sealKey(for responder: NodePublicKey, psk: [UInt8]?) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: label + responder.bytes + (psk ?? [])))
    }

    /// The cookie of `source` now (replacing the secret when it is due).
    mutating func cookie(for source: SocketAddress, now: UInt64) -> [UInt8] {
        if secret == nil || now >= secretSince &+ Self.secretLifetimeMicros || now < secretSince {
            secret = SymmetricKey(size: .bits256)
            secretSince = now
        }
        let key = secret ?? SymmetricKey(size: .bits256)
        return Array(HMAC<SHA256>.authenticationCode(for: source.addressBytes, using: key).prefix(Self.cookieSize))
    }

    /// Whether `initiation` (all 146 bytes) carries the mac2 of `source`'s current cookie.
    mutating func hasValidMAC2(_ initiation: [UInt8], from source: SocketAddress, now: UInt64) -> Bool {
        HandshakeMAC.verifyMAC2(initiation, cookie: cookie(for: source, now: now))
    }

    /// The cookie reply to `initiation` from `source`; nil if sealing failed.
    mutating func reply(to initiation: HandshakeInitiation, from source: SocketAddress, now: UInt64) -> [UInt8]? {
        let cookie = cookie(for: source, now: now)
        let nonce = ChaChaPoly.Nonce()
        guard let box = try? ChaChaPoly.seal(cookie, using: sealKey, nonce: nonce, authenticating: initiation.mac1) else { return nil }
        return CookieReply(
            clusterID: initiation.clusterID, receiverIndex: initiation.senderIndex,
            nonce: Array(nonce), sealedCookie: Array(box.ciphertext) + Array(box.tag)).encode()
    }

    /// The initiator's side: the cookie in `reply` to the initiation that had `mac1`, from
    /// the node whose cookie key is `key`; nil if it does not open.
    static func open(_ reply: CookieReply, mac1: [UInt8], key: SymmetricKey) -> [UInt8]? {
        guard reply.sealedCookie.count == cookieSize + 16,
              let nonce = try? ChaChaPoly.Nonce(data: reply.nonce),
              let box = try? ChaChaPoly.SealedBox(
                nonce: nonce, ciphertext: reply.sealedCookie.prefix(cookieSize), tag: reply.sealedCookie.suffix(16)),
              let cookie = try? ChaChaPoly.open(box, using: key, authenticating: mac1)
        else { return nil }
        return Array(cookie)
    }
}
