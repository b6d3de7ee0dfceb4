import Wire

/// Which queue a message waits in: control (votes, heartbeats, acks, responses) always
/// goes before bulk (entry batches, snapshots, deploy requests).
public enum TrafficClass: Sendable, Equatable {
    case control
    case bulk
}

/// A message handed to Transport for one peer.
public struct OutgoingMessage: Sendable, Equatable {
    public var message: Message
    /// Retransmitted until acknowledged or past its deadline; unreliable messages
    /// (heartbeats and their responses) are sent once.
    public var reliable: Bool
    public var trafficClass: TrafficClass
    /// Absolute time (µs) after which an unacknowledged reliable message is given up and
    /// reported back.
    public var deadlineMicros: UInt64
    /// A newer message with the same key replaces an older one still queued or awaiting
    /// retransmission (a newer heartbeat, a newer append to the same follower).
    public var supersedeKey: String?
    /// The caller's own reference, reported back if the message is given up.
    public var handle: UInt64

    public init(
        _ message: Message, reliable: Bool = true, trafficClass: TrafficClass = .control,
        deadlineMicros: UInt64, supersedeKey: String? = nil, handle: UInt64 = 0
    ) {
        self.message = message
        self.reliable = reliable
        self.trafficClass = trafficClass
        self.deadlineMicros = deadlineMicros
        self.supersedeKey = supersedeKey
        self.handle = handle
    }
}
