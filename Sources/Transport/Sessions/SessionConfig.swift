/// When sessions are replaced and how handshakes are paced.
public struct SessionConfig: Sendable {
    /// A session's initiator starts a new handshake after this long (WireGuard: 120 s); the
    /// responder does after half as long again, should the initiator not.
    public var rekeyAfterMicros: UInt64 = 120_000_000
    /// …or after sending this many packets (the nonce counter is 40 bits; WireGuard's 2^60
    /// does not fit).
    public var rekeyAfterPackets: UInt64 = 1 << 36
    /// An initiation without a response is sent again (new ephemeral key, new timestamp)
    /// after this long while there is still something to send.
    public var handshakeRetryMicros: UInt64 = 1_000_000
    /// Initiations accepted per second from one source address, and the burst allowed;
    /// checked after mac1 and before any Diffie-Hellman.
    public var initiationsPerSecond: UInt64 = 20
    public var initiationBurst: UInt64 = 10

    public init() {}
}
