#if canImport(Transport)
import Transport
import Wire
#endif

/// The whole receive pipeline with a fixed test key. First byte even: the rest is a raw
/// datagram from the network (it must not get past authentication unless genuine). First
/// byte odd: the rest is a payload that a genuine peer sealed, so everything after
/// authentication — frames, acks, sequences, fragments — is reached. Must never trap.
let key = try! ClusterKey(hex: String(repeating: "42", count: 32), source: "fuzz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let mode = bytes.first else { return 0 }
    var gate = DatagramGate(protection: .sealed(key), clusterID: 1)
    var link = PeerLink(peer: 2, sealer: DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 1, keyEpoch: 1))
    let datagram: [UInt8]
    if mode & 1 == 0 {
        datagram = Array(bytes.dropFirst())
    } else {
        let sealer = DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 2, keyEpoch: 1)
        datagram = sealer.seal(payload: Array(bytes.dropFirst()), packet: PacketNumber(UInt64(mode))!, ackEliciting: mode & 2 != 0)
    }
    if let opened = gate.open(datagram) {
        _ = link.receive(opened, now: 1_000)
        _ = link.poll(now: 2_000)
        // The same datagram again must be a replay.
        if gate.open(datagram) != nil { fatalError("replayed datagram accepted") }
    } else if mode & 1 == 0, datagram.count > 28, gate.drops.total == 0 {
        fatalError("dropped without a reason")
    }
    return 0
}
