/// When sessions are replaced and how handshakes are paced.
public struct SessionConfig: Sendable {
    /// A session's initiator starts a new handshake after this long (WireGuard: 120 s); the
    /// responder does after half as long again, should the initiator not.
    public var rekeyAfterMicros: UInt64 = 120_000_000
    /// …or after sending this many packets (the nonce counter is 40 bits; WireGuard's 2^60
    /// does not fit).
    public var rekeyAfterPackets: UInt64 = 1 << 36
    /// A session this old is never used again (WireGuard's reject-after-time, 180 s): if
    /// no rekey succeeded by then, it is retired, what it had not had acknowledged is given
    /// up (reported), and messages wait for a new session.
    public var rejectAfterMicros: UInt64 = 180_000_000
    /// An initiation without a response is sent again (new ephemeral key, new timestamp)
    /// after this long while there is still something to send. A responder whose new
    /// session is not confirmed this long after its response, and that has messages for
    /// the peer, initiates itself.
    public var handshakeRetryMicros: UInt64 = 1_000_000
    /// The initiator of a new session sends an ack-eliciting keepalive at this interval
    /// until it hears from the peer on it (at most `confirmationKeepalives` times): one lost
    /// keepalive does not leave the responder unable to send.
    public var confirmationKeepaliveMicros: UInt64 = 250_000
    public var confirmationKeepalives = 12
    /// A replaced session keeps receiving (and finishing what it had in flight) this long;
    /// then what it still had not had acknowledged moves to the new session.
    public var rekeyGraceMicros: UInt64 = 3_000_000
    /// A node with its own initiation outstanding and the lower id drops the peer's
    /// initiation — only while its own has been sent fewer than this many times; then it
    /// yields, so a collision converges even when the peer cannot accept this node's.
    public var collisionYieldAfter = 2
    /// Initiations with a proven source (valid mac2) accepted per second from one address,
    /// and the burst allowed; checked before any Diffie-Hellman.
    public var initiationsPerSecond: UInt64 = 20
    public var initiationBurst: UInt64 = 10
    /// Initiations without a valid mac2 taken per second (all sources together) before
    /// the node counts as under load; under load such an initiation gets a cookie reply.
    public var unprovenInitiationsPerSecond: UInt64 = 20
    public var unprovenInitiationBurst: UInt64 = 10
    /// The whole node's Diffie-Hellman budget: responses written per second, and burst.
    public var handshakesPerSecond: UInt64 = 100
    public var handshakeBurst: UInt64 = 20
    /// An initiator uses a received cookie for mac2 this long (the responder replaces its
    /// secret every 120 s).
    public var cookieLifetimeMicros: UInt64 = 110_000_000
    /// The initiation timestamps of this node are above this (µs since 1970): the
    /// high-water mark persisted by an earlier run (`TransportCore.timestampToPersist`),
    /// so a node restarted with its clock behind is not refused as stale.
    public var timestampFloor: UInt64 = 0
    /// How far beyond a timestamp the core reserves (and asks the shell to persist) at a
    /// time, so that the state file is written once per this span, not per handshake.
    public var timestampReservationMicros: UInt64 = 600_000_000

    /// A peer counts as unreachable (`PeerEvent.unreachable`) when messages to it are
    /// given up, or when this node has had something outstanding for it this long
    /// without hearing from it.
    public var unreachableAfterMicros: UInt64 = 5_000_000

    public init() {}
}
