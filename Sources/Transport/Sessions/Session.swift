import Crypto
import Wire

/// One authenticated pairwise session: the keys of both directions, the receiver's
/// replay window, and the link (acks, message numbers, reassembly) that lives and dies
/// with it — a later session of the same pair starts a fresh link, so no receive state
/// and no fragment crosses from one session to another.
struct Session: Sendable {
    /// The index this node gave the session: the peer writes it in every datagram's header.
    let localIndex: UInt32
    /// The index the peer gave it: written in the datagrams sent to the peer.
    let remoteIndex: UInt32
    var opener: DatagramOpener
    var link: PeerLink
    let establishedAt: UInt64
    /// This node sent the initiation (and so is the one to rekey first).
    let initiator: Bool
    /// The sending key's fingerprint (first 8 bytes of its SHA-256), to tell sessions apart
    /// in tests and diagnostics without keeping the key itself around.
    let sendKeyID: [UInt8]

    init(localIndex: UInt32, remoteIndex: UInt32, sendKey: ChaChaPolyAEAD?, receiveKey: ChaChaPolyAEAD?, sendKeyID: [UInt8] = [],
         peer: NodeID, clusterID: ClusterID, config: PeerLinkConfig, now: UInt64, initiator: Bool) {
        self.sendKeyID = sendKeyID
        self.localIndex = localIndex
        self.remoteIndex = remoteIndex
        opener = DatagramOpener(key: receiveKey)
        link = PeerLink(peer: peer, sealer: DatagramSealer(clusterID: clusterID, receiverIndex: remoteIndex, key: sendKey), config: config)
        establishedAt = now
        self.initiator = initiator
    }

    /// Runs `body` on the session where it lies (through optional chaining: no copy).
    mutating func apply<R>(_ body: (inout Session) -> R) -> R { body(&self) }

    /// Whether it is time for a new session.
    func rekeyDue(now: UInt64, config: SessionConfig) -> Bool {
        let after = initiator ? config.rekeyAfterMicros : config.rekeyAfterMicros + config.rekeyAfterMicros / 2
        return now >= establishedAt + after || link.packetsSent >= config.rekeyAfterPackets
    }

    func rekeyTime(config: SessionConfig) -> UInt64 {
        establishedAt + (initiator ? config.rekeyAfterMicros : config.rekeyAfterMicros + config.rekeyAfterMicros / 2)
    }
}
