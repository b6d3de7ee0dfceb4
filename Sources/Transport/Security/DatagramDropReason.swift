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
    /// From an older key epoch of its sender than one already seen.
    case staleEpoch
    /// A packet number already accepted, or older than the replay window.
    case replay
    /// The tag did not verify: forged, corrupted, or sealed with another key.
    case authentication
    /// Over a reassembly or queue limit.
    case limit
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
