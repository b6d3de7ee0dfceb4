import Wire

/// Packets declared lost that may only have been overtaken. A link with jitter reorders
/// datagrams — a small one sent just after a large one can arrive first — and three later
/// packets acknowledged (RFC 9002's kPacketThreshold) then declares a packet lost that is
/// still on its way. When an ack covers such a packet after all, the loss was spurious:
/// its messages, if still waiting to be resent, need not go again, and the packet
/// threshold widens to the distance seen (RFC 9002 §6.1.1 and RFC 8985 allow an adaptive
/// one; the time threshold still finds real losses). It does not narrow again within a
/// session: the link's jitter does not go away. Pure; bounded.
struct ReorderingTracker: Sendable, Equatable {
    static let initialPacketThreshold: UInt64 = 3
    /// Beyond this, reordering is left to the time threshold.
    static let maximumPacketThreshold: UInt64 = 16
    /// Declared losses remembered; an ack that comes later than this many losses proves
    /// nothing more.
    static let capacity = 64

    struct DeclaredLoss: Sendable, Equatable {
        var packet: UInt64
        /// The largest packet acknowledged when it was declared lost.
        var largestAcked: UInt64
        /// The message units it carried.
        var units: [UInt64]
    }

    private(set) var packetThreshold = Self.initialPacketThreshold
    private(set) var spuriousLosses = 0
    /// In the order declared, oldest first.
    private var declared: [DeclaredLoss] = []

    var isEmpty: Bool { declared.isEmpty }

    /// Whether a packet `pn` is lost by packet count, `largestAcked` being acknowledged.
    func isLostByReordering(_ pn: UInt64, largestAcked: UInt64) -> Bool {
        pn < largestAcked && largestAcked - pn >= packetThreshold
    }

    mutating func declaredLost(packet: UInt64, largestAcked: UInt64, units: [UInt64]) {
        if declared.count >= Self.capacity { declared.removeFirst(declared.count - Self.capacity + 1) }
        declared.append(DeclaredLoss(packet: packet, largestAcked: largestAcked, units: units))
    }

    /// The ack covers these declared-lost packets: the units they carried arrived. The
    /// threshold widens to one more than the largest distance such a packet had been
    /// overtaken by.
    mutating func acknowledged(_ ranges: [AckRange]) -> [UInt64] {
        guard !declared.isEmpty else { return [] }
        var arrived: [UInt64] = []
        declared.removeAll { loss in
            guard ranges.contains(where: { $0.lowest <= loss.packet && loss.packet <= $0.highest }) else { return false }
            spuriousLosses += 1
            arrived += loss.units
            let distance = loss.largestAcked >= loss.packet ? loss.largestAcked - loss.packet : 0
            packetThreshold = min(max(packetThreshold, distance &+ 1), Self.maximumPacketThreshold)
            return true
        }
        return arrived
    }
}
