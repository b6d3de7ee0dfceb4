import NetworkModel
import Wire

/// Why a datagram, or a part of one, was dropped — the one list of drop reasons of the
/// transport. Each has one counter (`DropCounters`) and each drop is counted once, where it
/// is decided; none has another effect. The node's table (`TransportEndpoint.drops`) sums
/// the core's, every peer link's and the emulator's.
public enum DatagramDropReason: String, Error, Sendable, CaseIterable, Equatable {
    // The gate (TransportCore, DatagramOpener): the whole datagram.
    /// Larger than the datagram limit.
    case tooLarge
    /// Header, framing or payload does not decode (at the gate, or in the link once
    /// authenticated: a payload, a Sequence without its message, a bare Fragment, more
    /// than one Ack frame in a datagram, a reassembled message that does not decode).
    case malformed
    /// Another cluster's datagram.
    case wrongCluster
    /// A plain datagram on a sealed cluster, or a sealed one on an insecure node.
    case wrongProtection
    /// Names a session index this node does not have (never had, retired, or from
    /// before a restart).
    case unknownSession
    /// An initiation from a node not in the roster (or removed from it); in insecure mode
    /// a plain datagram naming a sender that is not a peer.
    case unknownPeer
    /// A packet number already accepted, or older than the replay window.
    case replay
    /// The tag did not verify: forged, corrupted, or sealed with another key.
    case authentication
    // Handshakes.
    /// A handshake message whose mac1 is wrong: dropped before any Diffie-Hellman.
    case badMAC
    /// Over the per-source initiation rate (sources proven by mac2).
    case rateLimited
    /// Under load, an initiation without a valid mac2: answered with a cookie reply for
    /// its source address, no Diffie-Hellman.
    case cookieRequired
    /// Over the node's Diffie-Hellman budget for answering initiations.
    case overBudget
    /// An initiation whose timestamp is not newer than one already accepted from that
    /// node, or an exact copy of one recently taken to Diffie-Hellman (dropped before it):
    /// a replay, which must not reset the session.
    case staleInitiation
    /// An initiation from a node this one is itself initiating to, and which yields
    /// (the lower node id's initiation wins).
    case handshakeCollision
    // The link (PeerLink), after authentication.
    /// A packet already received, or a message number already delivered.
    case duplicate
    /// A message number outside the window above the delivered floor (`DeliveredSet`).
    case messageNumberRefused
    /// A message number so far behind that the delivered set no longer knows whether it
    /// was delivered (`DeliveredSet.Status.forgotten`): refused, and its packet not
    /// acknowledged.
    case lateMessage
    /// An ack naming a packet the link never sent: the ack frame is ignored whole.
    case ackForUnsent
    /// A fragment the reassembler cannot take (no free reassembly, no room, piece count
    /// not matching, or its reassembly timed out): its packet is not acknowledged.
    case reassemblyRefused
    /// A partial reassembly that timed out: its pieces are dropped.
    case reassemblyExpired
    // The link emulator, on sending: not the network.
    case emulatedLoss
    case emulatedPartition
    case emulatedQueueFull
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

    /// Adds another table's counts.
    public mutating func add(_ other: DropCounters) {
        for (reason, count) in other.counts { counts[reason, default: 0] += count }
    }

    /// Adds what the link emulator dropped, each under its reason (the network model
    /// keeps plain counts: it imports nothing).
    public mutating func add(_ emulated: LinkEmulator.DropCounters) {
        for (reason, count) in [(DatagramDropReason.emulatedLoss, emulated.loss), (.emulatedPartition, emulated.partition),
                                (.emulatedQueueFull, emulated.queueFull)] where count > 0 {
            counts[reason, default: 0] += count
        }
    }

    public var total: Int { counts.values.reduce(0, +) }
}
