import Crypto
import Testing
import Wire
@testable import Transport

/// An EdgeRaft handshake with every input fixed — both static keys, both ephemeral keys,
/// the pre-shared key, the indices and the timestamp — and the exact bytes of its
/// initiation, its response and the first sealed datagram (docs/transport.md, "Session
/// handshake"). A second implementation given the same inputs must produce the same bytes.
/// The responder's side is checked with the real `TransportCore`: it takes the vector's
/// initiation, so the prologue, the mac1 key and the payload are the ones it uses.
@Suite struct HandshakeKnownAnswerTests {
    static func bytes(_ hex: String) -> [UInt8] { (try? Hex.parse(hex)) ?? [] }

    static func key(_ byte: UInt8) -> Curve25519.KeyAgreement.PrivateKey {
        // Any 32 bytes are an X25519 private key (clamped when used).
        (try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32)))
            ?? Curve25519.KeyAgreement.PrivateKey()
    }

    // The inputs.
    static let clusterID: ClusterID = 7
    static let initiatorID: NodeID = 1, responderID: NodeID = 2
    static let initiatorStatic = key(0x11), responderStatic = key(0x22)
    static let initiatorEphemeral = key(0x33), responderEphemeral = key(0x44)
    static let psk = [UInt8](repeating: 0x55, count: 32)
    static let initiatorIndex: UInt32 = 0x0102_0304, responderIndex: UInt32 = 0x0506_0708
    /// Wall-clock µs, little-endian, then the flags byte (bit 0: no session held).
    static let timestamp: UInt64 = 1_800_000_000_000_000
    static let payload: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.appendFixed(timestamp, width: 8)
        bytes.append(1)
        return bytes
    }()

    // The bytes (produced by this implementation and pinned here).
    static let expectedInitiation = bytes(
        "2807000100040302017b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b" +
        "144b3944efabe6dbf0bbf813c9a6b1fd373da6585a9d41e0f4d219fb69bd0be935edec8f199e7bf6" +
        "480d8aef2338698a72837bf61066b1493b8b33ca1bf1d9bb6ecd6ab43d83469787bcf48386dc980f" +
        "36adf6e7a382be1eec5700000000000000000000000000000000")
    static let expectedResponse = bytes(
        "2c07000807060504030201ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1f" +
        "ff3e6b08646c56b9832322b1e59e187e54338ae03ab1a73db52e6e401ca6a7aec260a0")
    static let expectedFirstDatagram = bytes(
        "2107000807060500000000005e1a588b1da15377c9646f85856325fa1600")

    /// The initiator's side, step by step as `TransportCore.startInitiation` does it.
    static func initiation() throws -> (bytes: [UInt8], handshake: NoiseIKHandshake) {
        let header = HandshakeInitiation.header(clusterID: clusterID, sender: initiatorID, senderIndex: initiatorIndex)
        var handshake = NoiseIKHandshake.initiator(
            prologue: HandshakePrologue.initiation(header), localStatic: initiatorStatic,
            remoteStatic: responderStatic.publicKey, psk: psk)
        var message = header + (try handshake.writeInitiation(ephemeral: initiatorEphemeral, payload: payload))
        message += HandshakeMAC.mac(message[...], key: HandshakeMAC.key(for: NodePublicKey(responderStatic.publicKey), psk: psk))
        message += [UInt8](repeating: 0, count: HandshakeMAC.size) // no cookie: no mac2
        return (message, handshake)
    }

    /// The responder's side, as `TransportCore.receiveInitiation` does it.
    static func response(to initiation: [UInt8]) throws -> (bytes: [UInt8], keys: (send: [UInt8], receive: [UInt8])) {
        let message = try HandshakeInitiation.decode(initiation)
        var handshake = NoiseIKHandshake.responder(
            prologue: HandshakePrologue.initiation(Array(initiation[0..<HandshakeInitiation.headerSize])),
            localStatic: responderStatic, psk: psk)
        let received = try handshake.readInitiation(message.noise) { $0.rawRepresentation == initiatorStatic.publicKey.rawRepresentation }
        #expect(received == payload)
        var response = HandshakeResponse.header(clusterID: clusterID, senderIndex: responderIndex, receiverIndex: initiatorIndex)
            + (try handshake.writeResponse(ephemeral: responderEphemeral, payload: []))
        response += HandshakeMAC.mac(response[...], key: HandshakeMAC.key(for: NodePublicKey(initiatorStatic.publicKey), psk: psk))
        return (response, try handshake.transportKeys())
    }

    @Test func theInitiationResponseAndFirstDatagramAreTheVectorsBytes() throws {
        var (initiation, initiator) = try Self.initiation()
        _ = initiation
        let (response, responderKeys) = try Self.response(to: initiation)
        let reply = try HandshakeResponse.decode(response)
        #expect(try initiator.readResponse(reply.noise).isEmpty)
        let initiatorKeys = try initiator.transportKeys()
        #expect(initiatorKeys.send == responderKeys.receive && initiatorKeys.receive == responderKeys.send)
        // The first datagram on the session: initiator to responder, packet 0, one
        // TimeoutNow frame, sealed under the initiator's send key.
        let sealer = try #require(ChaChaPolyAEAD(keyBytes: initiatorKeys.send))
        let datagram = DatagramSealer(clusterID: Self.clusterID, receiverIndex: Self.responderIndex, key: sealer)
            .seal(payload: Payload.encode([.timeoutNow(TimeoutNow(term: 9))]), packet: try #require(PacketNumber(0)), ackEliciting: true)
        #expect(initiation == Self.expectedInitiation)
        #expect(response == Self.expectedResponse)
        #expect(datagram == Self.expectedFirstDatagram)
    }

    /// `TransportCore` as the responder takes the vector's initiation (four X25519, a
    /// response out): its prologue, mac1 key and payload are the vector's.
    @Test func theTransportCoreTakesTheVectorsInitiation() throws {
        let identity = NodeIdentity(Self.responderStatic)
        var core = TransportCore(
            .init(id: Self.responderID, clusterID: Self.clusterID,
                  protection: .sealed(identity, presharedKey: try ClusterKey(hex: Hex.string(Self.psk), source: "test"))),
            wallClockMicros: { Self.timestamp })
        core.addPeer(Self.initiatorID, publicKey: NodePublicKey(Self.initiatorStatic.publicKey))
        var deliveries: [(NodeID, Message)] = []
        core.receive(Self.expectedInitiation, from: try SocketAddress("127.0.0.1:7001"), sourcePeer: Self.initiatorID, now: 1_000, into: &deliveries)
        #expect(core.counters.diffieHellman == 4)
        #expect(core.drops.total == 0)
        var datagrams: [(NodeID, [UInt8])] = []
        var gaveUp: [(NodeID, UInt64)] = []
        _ = core.poll(now: 1_000, datagrams: &datagrams, gaveUp: &gaveUp)
        let response = try #require(datagrams.first { DatagramKind.of($0.1) == .response })
        #expect(response.1.count == HandshakeResponse.size)
        #expect(try HandshakeResponse.decode(response.1).receiverIndex == Self.initiatorIndex)
    }
}
