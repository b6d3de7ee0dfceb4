import Crypto
import Foundation
import NetworkModel
import Testing
import Wire
@testable import Transport

/// The in-place cipher against RFC 8439's own example and against swift-crypto's public
/// `ChaChaPoly`, so that whichever implementation a build picks, it is the standard one.
@Suite struct ChaChaPolyAEADTests {
    static func bytes(_ hex: String) -> [UInt8] {
        (try? Hex.parse(hex)) ?? []
    }

    /// RFC 8439 §2.8.2 (also checked with pyca/cryptography).
    static let rfcKey = Array(UInt8(0x80)...UInt8(0x9F))
    static let rfcNonce = bytes("070000004041424344454647")
    static let rfcAAD = bytes("50515253c0c1c2c3c4c5c6c7")
    static let rfcPlaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
    static let rfcCiphertext = bytes(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
        + "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        + "3ff4def08e4b7a9de576d26586cec64b6116")
    static let rfcTag = bytes("1ae10b594f09e26a7e902ecbd0600691")

    static func aead(_ key: [UInt8]) throws -> ChaChaPolyAEAD { try #require(ChaChaPolyAEAD(key: SymmetricKey(data: key))) }
    static func nonce(_ bytes: [UInt8]) throws -> ChaChaPolyAEAD.Nonce { try #require(ChaChaPolyAEAD.Nonce(bytes)) }

    @Test func sealsTheRFC8439Example() throws {
        var buffer = Self.rfcAAD + Self.rfcPlaintext
        #expect(try Self.aead(Self.rfcKey).seal(&buffer, from: Self.rfcAAD.count, nonce: Self.nonce(Self.rfcNonce)))
        #expect(buffer == Self.rfcAAD + Self.rfcCiphertext + Self.rfcTag)
    }

    @Test func opensTheRFC8439Example() throws {
        var buffer = Self.rfcAAD + Self.rfcCiphertext + Self.rfcTag
        #expect(try Self.aead(Self.rfcKey).open(&buffer, from: Self.rfcAAD.count, nonce: Self.nonce(Self.rfcNonce)))
        #expect(buffer == Self.rfcAAD + Self.rfcPlaintext)
    }

    @Test func agreesWithSwiftCryptoBothWays() throws {
        var rng = SeededRandom(seed: 8439)
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        for round in 0..<200 {
            let key = random(32)
            let nonceBytes = random(12)
            let aad = random(Int(rng.next() % 20))
            let plaintext = random(round % 3 == 0 ? Int(rng.next() % 1500) : Int(rng.next() % 100))
            let ours = try Self.aead(key)
            let nonce = try Self.nonce(nonceBytes)
            let theirs = SymmetricKey(data: key)

            var sealed = aad + plaintext
            #expect(ours.seal(&sealed, from: aad.count, nonce: nonce))
            let box = try ChaChaPoly.SealedBox(
                nonce: ChaChaPoly.Nonce(data: nonceBytes), ciphertext: sealed[aad.count..<(sealed.count - 16)], tag: sealed.suffix(16))
            #expect(Array(try ChaChaPoly.open(box, using: theirs, authenticating: aad)) == plaintext)

            let reference = try ChaChaPoly.seal(plaintext, using: theirs, nonce: ChaChaPoly.Nonce(data: nonceBytes), authenticating: aad)
            var received = aad + Array(reference.ciphertext) + Array(reference.tag)
            #expect(received == sealed, "round \(round): same key, nonce and input give the same bytes")
            #expect(ours.open(&received, from: aad.count, nonce: nonce))
            #expect(received == aad + plaintext)
        }
    }

    @Test func everyFlippedBitIsRefused() throws {
        let aead = try Self.aead(Self.rfcKey)
        let nonce = try Self.nonce(Self.rfcNonce)
        var sealed = Array(Self.rfcAAD.prefix(6)) + Array("hello, node 3".utf8)
        #expect(aead.seal(&sealed, from: 6, nonce: nonce))
        for bit in 0..<(sealed.count * 8) {
            var forged = sealed
            forged[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!aead.open(&forged, from: 6, nonce: nonce), "bit \(bit)")
        }
        var wrongNonce = sealed
        #expect(try !aead.open(&wrongNonce, from: 6, nonce: Self.nonce([UInt8](repeating: 0, count: 12))))
        var wrongKey = sealed
        #expect(try !Self.aead([UInt8](repeating: 1, count: 32)).open(&wrongKey, from: 6, nonce: nonce))
        var intact = sealed
        #expect(aead.open(&intact, from: 6, nonce: nonce))
    }

    @Test func badSizesAreRefusedNotTrapped() throws {
        let aead = try Self.aead(Self.rfcKey)
        let nonce = try Self.nonce(Self.rfcNonce)
        for count in 0..<(6 + ChaChaPolyAEAD.tagSize) {
            var buffer = [UInt8](repeating: 0, count: count)
            #expect(!aead.open(&buffer, from: 6, nonce: nonce), "\(count) bytes")
        }
        var short = [UInt8](repeating: 0, count: 4)
        #expect(!aead.seal(&short, from: 6, nonce: nonce), "the plaintext cannot start past the end")
        #expect(ChaChaPolyAEAD(key: SymmetricKey(size: .bits128)) == nil, "a 16-byte key")
        #expect(ChaChaPolyAEAD.Nonce([UInt8](repeating: 0, count: 8)) == nil, "an 8-byte nonce")
    }
}
