import Crypto
import Foundation
import Testing
@testable import Transport

/// The Noise core against the published cacophony vector for exactly this protocol
/// (`Vectors/noise-ikpsk2-cacophony.json`): both handshake messages and the four transport
/// messages, byte for byte; the handshake hash as Noise rev 34 defines it.
@Suite struct NoiseVectorTests {
    struct Vector: Decodable {
        struct Message: Decodable { var payload: String; var ciphertext: String }
        var protocol_name: String
        var init_prologue: String
        var init_psks: [String]
        var init_static: String
        var init_ephemeral: String
        var init_remote_static: String
        var resp_static: String
        var resp_ephemeral: String
        var handshake_hash: String
        var messages: [Message]
    }

    static func load() throws -> Vector {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors/noise-ikpsk2-cacophony.json")
        return try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    static func key(_ hex: String) throws -> Curve25519.KeyAgreement.PrivateKey {
        try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes(hex))
    }

    @Test func theCacophonyVectorPasses() throws {
        let v = try Self.load()
        #expect(v.protocol_name == NoiseIKHandshake.protocolName)
        let prologue = Self.bytes(v.init_prologue), psk = Self.bytes(v.init_psks[0])
        let responderStatic = try Self.key(v.resp_static)
        #expect(Array(responderStatic.publicKey.rawRepresentation) == Self.bytes(v.init_remote_static))
        var initiator = NoiseIKHandshake.initiator(
            prologue: prologue, localStatic: try Self.key(v.init_static),
            remoteStatic: responderStatic.publicKey, psk: psk)
        var responder = NoiseIKHandshake.responder(prologue: prologue, localStatic: responderStatic, psk: psk)

        let first = try initiator.writeInitiation(ephemeral: try Self.key(v.init_ephemeral), payload: Self.bytes(v.messages[0].payload))
        #expect(first == Self.bytes(v.messages[0].ciphertext))
        let firstPayload = try responder.readInitiation(first) { _ in true }
        #expect(firstPayload == Self.bytes(v.messages[0].payload))
        let second = try responder.writeResponse(ephemeral: try Self.key(v.resp_ephemeral), payload: Self.bytes(v.messages[1].payload))
        #expect(second == Self.bytes(v.messages[1].ciphertext))
        #expect(try initiator.readResponse(second) == Self.bytes(v.messages[1].payload))
        // The file's `handshake_hash` (261aa0…) follows some other convention: the final h is
        // forced by the vector itself (h is the associated data of message 2's payload, whose
        // ciphertext matches, so h = SHA-256(h ‖ that ciphertext) = 8310f8…), the same method
        // misses the same file's Noise_NN hash too, and snow's own vector test never reads the
        // field. An independent computation (Vectors/noise_check.py) agrees with ours.
        #expect(initiator.handshakeHash == Self.bytes("8310f86394dc0dabb40beb8210031556db4403ab1202db7034c526232147a700"))
        #expect(responder.handshakeHash == initiator.handshakeHash)
        #expect(initiator.diffieHellmanCount == 4 && responder.diffieHellmanCount == 4)

        // Transport messages alternate, initiator first; each direction counts from 0. They
        // go through the same in-place cipher the datagrams use.
        let i = try initiator.transportKeys(), r = try responder.transportKeys()
        #expect(i.send == r.receive && i.receive == r.send)
        let initiatorSend = try #require(ChaChaPolyAEAD(key: SymmetricKey(data: i.send)))
        let responderSend = try #require(ChaChaPolyAEAD(key: SymmetricKey(data: r.send)))
        var counters: (UInt64, UInt64) = (0, 0)
        for (n, message) in v.messages.dropFirst(2).enumerated() {
            var buffer = Self.bytes(message.payload)
            let fromInitiator = n % 2 == 0
            let counter = fromInitiator ? counters.0 : counters.1
            let aead = fromInitiator ? initiatorSend : responderSend
            #expect(aead.seal(&buffer, from: 0, nonce: ChaChaPolyAEAD.Nonce(counter: counter)))
            #expect(buffer == Self.bytes(message.ciphertext), "transport message \(n)")
            if fromInitiator { counters.0 += 1 } else { counters.1 += 1 }
        }
    }

    @Test func aTamperedInitiationIsRefused() throws {
        let v = try Self.load()
        let responderStatic = try Self.key(v.resp_static)
        var initiator = NoiseIKHandshake.initiator(
            prologue: [], localStatic: try Self.key(v.init_static), remoteStatic: responderStatic.publicKey, psk: nil)
        var first = try initiator.writeInitiation(ephemeral: try Self.key(v.init_ephemeral), payload: [1, 2, 3])
        first[40] ^= 1
        var responder = NoiseIKHandshake.responder(prologue: [], localStatic: responderStatic, psk: nil)
        #expect(throws: NoiseIKHandshake.Failure.authentication) { _ = try responder.readInitiation(first) { _ in true } }
    }

    @Test func differentPresharedKeysDoNotAgree() throws {
        let a = Curve25519.KeyAgreement.PrivateKey(), b = Curve25519.KeyAgreement.PrivateKey()
        var initiator = NoiseIKHandshake.initiator(prologue: [], localStatic: a, remoteStatic: b.publicKey, psk: [UInt8](repeating: 1, count: 32))
        var responder = NoiseIKHandshake.responder(prologue: [], localStatic: b, psk: nil)
        let first = try initiator.writeInitiation(ephemeral: .init(), payload: [])
        _ = try responder.readInitiation(first) { _ in true }
        let second = try responder.writeResponse(ephemeral: .init(), payload: [])
        #expect(throws: NoiseIKHandshake.Failure.authentication) { _ = try initiator.readResponse(second) }
    }
}
