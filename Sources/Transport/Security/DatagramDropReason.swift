import Wire

/// Why a received datagram was dropped. Each has a counter; none has another effect.
public enum DatagramDropReason: String, Error, Sendable, CaseIterable, Equatable {
    /// Larger than the datagram limit.
    case tooLarge
    /// Header, framing or payload does not decode.
    case malformed
    /// Another cluster's datagram.
    case wrongCluster
    /// A plain datagram on a sealed cluster, or a sealed one on an insecure node.
    case wrongProtection
    /// Names a session index this node does not have (never had, retired, or from
    /// before a restart).
    case unknownSession
    /// A packet number already accepted, or older than the replay window.
    case replay
    /// The tag did not verify: forged, corrupted, or sealed with another key.
    case authentication
    /// Over a reassembly or queue limit.
    case limit
    /// A handshake message whose mac1 is wrong: dropped before any Diffie-Hellman.
    case badMAC
    /// An initiation from a node not in the roster (or removed from it).
    case unknownPeer
    /// Over the per-source initiation rate (sources proven by mac2).
    case rateLimited
    /// Under load, an initiation without a valid mac2: answered with a cookie reply for
    /// its source address, no Diffie-Hellman.
    case cookieRequired
    /// Over the node's Diffie-Hellman budget for answering initiations.
    case overBudget
    /// An initiation whose timestamp is not newer than one already accepted from that
    /// node: a replay, which must not reset the session.
    case staleInitiation
    /// An initiation from a node this one is itself initiating to, and which yields
    /// (the lower node id's initiation wins).
    case handshakeCollision
    /// Dropped by the link emulator, not the network.
    case emulatedLoss
}

/// A counter per drop reason.
public struct DropCounters: Sendable, Equatable {
    private var counts: [DatagramDropReason: Int] = [:]

    public init() {}

    public subscript(_ reason: DatagramDropReason) -> Int {
        counts[reason, default: 0]
    }

    public mutating func count(_ reason: DatagramDropReason) {
        counts[reason, default: 0] += 1
    }

    public var total: Int { counts.values.reduce(0, +) }
}
