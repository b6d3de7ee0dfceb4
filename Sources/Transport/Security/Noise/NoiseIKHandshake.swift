import Crypto
import Foundation

/// One run of `Noise_IKpsk2_25519_ChaChaPoly_SHA256` (Noise revision 34, WireGuard's
/// pattern shape):
///
///     <- s
///     ...
///     -> e, es, s, ss
///     <- e, ee, se, psk
///
/// The initiator knows the responder's static key beforehand; one round trip
/// authenticates both and yields a key per direction. Without a cluster pre-shared key
/// the psk is 32 zero bytes (as WireGuard does): the pattern, and so the wire, stay one.
/// Each side performs four X25519 operations. Pure: ephemeral keys are given as input.
struct NoiseIKHandshake {
    static let protocolName = "Noise_IKpsk2_25519_ChaChaPoly_SHA256"
    static let keySize = 32
    static let tagSize = 16
    /// e, encrypted s: the initiation's Noise part before its payload.
    static let initiationOverhead = keySize + keySize + tagSize

    enum Failure: Error, Equatable {
        case truncated
        case badPublicKey
        case authentication
        /// The initiator's static key is not one the responder accepts.
        case unknownStatic
        case outOfOrder
    }

    enum Role { case initiator, responder }

    let role: Role
    private var symmetric: NoiseSymmetricState
    private let localStatic: Curve25519.KeyAgreement.PrivateKey
    private var localEphemeral: Curve25519.KeyAgreement.PrivateKey?
    /// The peer's static public key (known in advance by the initiator, learnt by the responder).
    private(set) var remoteStatic: Curve25519.KeyAgreement.PublicKey?
    private var remoteEphemeral: Curve25519.KeyAgreement.PublicKey?
    private let psk: [UInt8]
    private var step = 0
    /// X25519 operations done so far (four per side in a whole handshake).
    private(set) var diffieHellmanCount = 0

    /// The initiator's state: it knows whom it talks to.
    static func initiator(prologue: [UInt8], localStatic: Curve25519.KeyAgreement.PrivateKey,
                          remoteStatic: Curve25519.KeyAgreement.PublicKey, psk: [UInt8]?) -> NoiseIKHandshake {
        var state = NoiseIKHandshake(role: .initiator, prologue: prologue, localStatic: localStatic, psk: psk)
        state.remoteStatic = remoteStatic
        state.symmetric.mixHash(Array(remoteStatic.rawRepresentation))
        return state
    }

    static func responder(prologue: [UInt8], localStatic: Curve25519.KeyAgreement.PrivateKey, psk: [UInt8]?) -> NoiseIKHandshake {
        var state = NoiseIKHandshake(role: .responder, prologue: prologue, localStatic: localStatic, psk: psk)
        state.symmetric.mixHash(Array(localStatic.publicKey.rawRepresentation))
        return state
    }

    private init(role: Role, prologue: [UInt8], localStatic: Curve25519.KeyAgreement.PrivateKey, psk: [UInt8]?) {
        self.role = role
        self.localStatic = localStatic
        self.psk = psk ?? [UInt8](repeating: 0, count: Self.keySize)
        symmetric = NoiseSymmetricState(protocolName: Self.protocolName)
        symmetric.mixHash(prologue)
    }

    var handshakeHash: [UInt8] { symmetric.handshakeHash }

    private mutating func dh(_ local: Curve25519.KeyAgreement.PrivateKey, _ remote: Curve25519.KeyAgreement.PublicKey) throws(Failure) -> [UInt8] {
        diffieHellmanCount += 1
        // swift-crypto refuses a result of all zeros (a low-order point).
        guard let shared = try? local.sharedSecretFromKeyAgreement(with: remote) else { throw .badPublicKey }
        return shared.withUnsafeBytes { Array($0) }
    }

    private static func publicKey(_ bytes: ArraySlice<UInt8>) throws(Failure) -> Curve25519.KeyAgreement.PublicKey {
        guard let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes) else { throw .badPublicKey }
        return key
    }

    /// -> e, es, s, ss, payload
    mutating func writeInitiation(ephemeral: Curve25519.KeyAgreement.PrivateKey, payload: [UInt8]) throws(Failure) -> [UInt8] {
        guard role == .initiator, step == 0, let remoteStatic else { throw .outOfOrder }
        step = 1
        localEphemeral = ephemeral
        let e = Array(ephemeral.publicKey.rawRepresentation)
        symmetric.mixHash(e)
        symmetric.mixKey(e)
        symmetric.mixKey(try dh(ephemeral, remoteStatic))
        let s = symmetric.encryptAndHash(Array(localStatic.publicKey.rawRepresentation))
        symmetric.mixKey(try dh(localStatic, remoteStatic))
        return e + s + symmetric.encryptAndHash(payload)
    }

    /// The `e` token of a message read: the remote ephemeral key, mixed into the hash and,
    /// in psk mode, into the chaining key.
    private mutating func readRemoteEphemeral(_ message: [UInt8]) throws(Failure) -> Curve25519.KeyAgreement.PublicKey {
        let eBytes = Array(message[0..<Self.keySize])
        let re = try Self.publicKey(message[0..<Self.keySize])
        remoteEphemeral = re
        symmetric.mixHash(eBytes)
        symmetric.mixKey(eBytes)
        return re
    }

    /// Reads the initiation; `accept` sees the initiator's static key (after one X25519)
    /// and may refuse it before the second. Returns the payload.
    mutating func readInitiation(_ message: [UInt8], accept: (Curve25519.KeyAgreement.PublicKey) -> Bool) throws(Failure) -> [UInt8] {
        guard role == .responder, step == 0 else { throw .outOfOrder }
        guard message.count >= Self.initiationOverhead + Self.tagSize else { throw .truncated }
        step = 1
        let re = try readRemoteEphemeral(message)
        symmetric.mixKey(try dh(localStatic, re))
        let sBytes: [UInt8]
        do {
            sBytes = try symmetric.decryptAndHash(Array(message[Self.keySize..<Self.initiationOverhead]))
        } catch {
            throw .authentication
        }
        let rs = try Self.publicKey(sBytes[...])
        guard accept(rs) else { throw .unknownStatic }
        remoteStatic = rs
        symmetric.mixKey(try dh(localStatic, rs))
        do {
            return try symmetric.decryptAndHash(Array(message[Self.initiationOverhead...]))
        } catch {
            throw .authentication
        }
    }

    /// <- e, ee, se, psk, payload
    mutating func writeResponse(ephemeral: Curve25519.KeyAgreement.PrivateKey, payload: [UInt8]) throws(Failure) -> [UInt8] {
        guard role == .responder, step == 1, let re = remoteEphemeral, let rs = remoteStatic else { throw .outOfOrder }
        step = 2
        localEphemeral = ephemeral
        let e = Array(ephemeral.publicKey.rawRepresentation)
        symmetric.mixHash(e)
        symmetric.mixKey(e)
        symmetric.mixKey(try dh(ephemeral, re))
        symmetric.mixKey(try dh(ephemeral, rs))
        symmetric.mixKeyAndHash(psk)
        return e + symmetric.encryptAndHash(payload)
    }

    mutating func readResponse(_ message: [UInt8]) throws(Failure) -> [UInt8] {
        guard role == .initiator, step == 1, let e = localEphemeral else { throw .outOfOrder }
        guard message.count >= Self.keySize + Self.tagSize else { throw .truncated }
        step = 2
        let re = try readRemoteEphemeral(message)
        symmetric.mixKey(try dh(e, re))
        symmetric.mixKey(try dh(localStatic, re))
        symmetric.mixKeyAndHash(psk)
        do {
            return try symmetric.decryptAndHash(Array(message[Self.keySize...]))
        } catch {
            throw .authentication
        }
    }

    /// After both messages: this side's sending key and receiving key.
    func transportKeys() throws(Failure) -> (send: [UInt8], receive: [UInt8]) {
        guard step == 2 else { throw .outOfOrder }
        let (i2r, r2i) = symmetric.split()
        return role == .initiator ? (i2r, r2i) : (r2i, i2r)
    }
}
