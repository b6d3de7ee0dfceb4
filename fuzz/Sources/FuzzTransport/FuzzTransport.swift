#if canImport(Transport)
import Transport
import Wire
#endif

/// The whole receive pipeline with fixed test keys. First byte's low bits:
/// - `x0`: the rest is a raw datagram for one session (it must not get past
///   authentication unless genuine);
/// - `x1`: the rest is a payload that a genuine peer sealed, so everything after
///   authentication — frames, acks, sequences, fragments — is reached;
/// - bit 3 set (`1xxx`): the rest is a program for one link with live state
///   (`LinkFuzzProgram`): its own sends and time advances interleaved with hostile but
///   well-formed datagrams from its peer, its promises checked after every step;
/// - bit 2 set (`1xx`): the rest goes to a whole node (`TransportCore`) as from the
///   network, with a valid mac1 written over its last 16 bytes when it has a handshake
///   message's size — so the handshake parsing and the Noise checks behind mac1 are reached.
/// Must never trap.
let key = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0x42, count: 32))!
let local = NodeIdentity(privateKeyBytes: [UInt8](repeating: 0x11, count: 32))!
let remote = NodeIdentity(privateKeyBytes: [UInt8](repeating: 0x22, count: 32))!
let source = try! SocketAddress("127.0.0.1:9")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let mode = bytes.first else { return 0 }
    if mode & 8 != 0 {
        if let broken = LinkFuzzProgram.run(Array(bytes.dropFirst())) { fatalError(broken) }
        return 0
    }
    if mode & 4 != 0 {
        var core = TransportCore(.init(id: 1, clusterID: 1, protection: .sealed(local, presharedKey: nil)), wallClockMicros: { 1 })
        core.addPeer(2, publicKey: remote.publicKey)
        var datagram = Array(bytes.dropFirst())
        if datagram.count == HandshakeInitiation.size || datagram.count == HandshakeResponse.size {
            datagram = HandshakeMAC.withMAC(datagram, to: local.publicKey)
        }
        var deliveries: [(NodeID, Message)] = []
        core.receive(datagram, from: source, now: 1_000, into: &deliveries)
        if !deliveries.isEmpty { fatalError("a message without a session") }
        var out: [(NodeID, [UInt8])] = [], gaveUp: [(NodeID, UInt64)] = []
        _ = core.poll(now: 2_000, datagrams: &out, gaveUp: &gaveUp)
        if core.drops.total != 1 && core.counters.sessionsEstablished == 0 && out.isEmpty { fatalError("dropped without a reason") }
        return 0
    }
    var gate = DatagramOpener(key: key)
    var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 1, key: key))
    let datagram: [UInt8]
    if mode & 1 == 0 {
        datagram = Array(bytes.dropFirst())
    } else {
        let sealer = DatagramSealer(clusterID: 1, receiverIndex: 1, key: key)
        datagram = sealer.seal(payload: Array(bytes.dropFirst()), packet: PacketNumber(UInt64(mode))!, ackEliciting: mode & 2 != 0)
    }
    if case .success(let opened) = gate.open(datagram, clusterID: 1) {
        _ = link.receive(opened, now: 1_000)
        _ = link.poll(now: 2_000)
        // The same datagram again must be a replay.
        if case .success = gate.open(datagram, clusterID: 1) { fatalError("replayed datagram accepted") }
    }
    return 0
}
