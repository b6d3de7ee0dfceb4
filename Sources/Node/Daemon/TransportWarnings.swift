import Transport

/// What the transport's counters say an operator must hear of: drops that point to a
/// misconfiguration — a wrong public key in a roster, a node of another cluster, another
/// pre-shared key — and a handshake timestamp that could not be written to disk. Each kind
/// is told at most once a minute, with the count since it was last told. Pure: counters
/// and time in, lines out (the daemon logs them).
struct TransportWarnings {
    static let intervalMicros: UInt64 = 60_000_000

    /// The drop reasons watched, and what each most likely means.
    static let watched: [(reason: DatagramDropReason, meaning: String)] = [
        (.badMAC, "handshake initiations with a bad mac1: made for another public key than this node's (another node's roster may hold a wrong key for this node) or with another pre-shared key"),
        (.authentication, "datagrams or handshakes that failed authentication: a roster may hold a wrong public key (this node's entry for a peer, or a peer's entry for this node), or someone forges traffic"),
        (.unknownPeer, "handshakes or datagrams from nodes that are not in this node's roster (or were removed)"),
        (.wrongCluster, "datagrams of another cluster id on this node's port"),
    ]

    /// The counts already told, by reason.
    private var told: [DatagramDropReason: Int] = [:]
    private var toldAt: [DatagramDropReason: UInt64] = [:]
    private var toldStoreFailures = 0
    private var toldStoreFailuresAt: UInt64?

    /// The warnings due now, given the node's drop table and failed timestamp writes so far.
    mutating func check(drops: DropCounters, timestampStoreFailures: Int, now: UInt64) -> [String] {
        var lines: [String] = []
        for (reason, meaning) in Self.watched {
            let new = drops[reason] - told[reason, default: 0]
            guard new > 0, Self.due(toldAt[reason], now) else { continue }
            lines.append("\(new) \(meaning) (drop reason \(reason)\(toldAt[reason] == nil ? "" : ", since the last warning"))")
            told[reason] = drops[reason]
            toldAt[reason] = now
        }
        let newFailures = timestampStoreFailures - toldStoreFailures
        if newFailures > 0, Self.due(toldStoreFailuresAt, now) {
            lines.append("\(newFailures) writes of the handshake timestamp state failed (is the disk full?): after a restart with its clock behind, this node's handshakes may be refused as stale until its peers initiate")
            toldStoreFailures = timestampStoreFailures
            toldStoreFailuresAt = now
        }
        return lines
    }

    private static func due(_ last: UInt64?, _ now: UInt64) -> Bool {
        guard let last else { return true }
        return now < last || now - last >= intervalMicros
    }
}
