/// What a simulation run saw: safety violations (there must be none) and the numbers.
public struct SimulationReport: Sendable {
    public var options: SimulationOptions
    /// Broken invariants, each with the simulated time it was found at.
    public var violations: [String] = []
    /// Microseconds from the first campaign with no leader to a leader.
    public var electionMicros: [UInt64] = []
    /// Microseconds from a proposal's first submission to its first application anywhere.
    public var commitMicros: [UInt64] = []
    public var proposals = 0
    public var committedProposals = 0
    public var messagesSent = 0
    /// Encoded frames plus the sealed datagram's header and tag, lost ones included.
    public var bytesSent = 0
    public var crashes = 0
    /// Crashes in the middle of a storage call (torn writes, lost renames, interrupted recovery).
    public var tornWrites = 0
    /// Writes or fsyncs that failed (injected ENOSPC or EIO).
    public var storageFailures = 0
    public var snapshotsTaken = 0
    public var snapshotsInstalled = 0
    public var membershipChanges = 0
    /// Late promotions carried out: promoted while cut off, then another voter down for good.
    public var latePromotions = 0
    public var finalProposalCommitted = false
    public var endMicros: UInt64 = 0

    public var passed: Bool { violations.isEmpty && finalProposalCommitted }

    public var bytesPerCommittedEntry: Double {
        committedProposals == 0 ? 0 : Double(bytesSent) / Double(committedProposals)
    }

    public static func percentile(_ values: [UInt64], _ p: Double) -> UInt64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    public var summary: String {
        func ms(_ v: UInt64?) -> String {
            guard let v else { return "-" }
            return String(Double(v) / 1000)
        }
        var lines = [
            "seed \(options.seed): \(options.nodes) nodes, \(options.mode), \(options.profile) (+\(options.extraLoss) loss, \(options.duplication) dup), "
                + "tick \(options.tickMicros / 1000) ms, crashes \(options.crashes), partitions \(options.partitions), torn writes \(options.tornWrites), storage faults \(options.storageFaults), "
                + "compact after \(options.compactAfterEntries), membership changes \(options.membershipChanges), late promotions \(options.latePromotions)",
            "  proposals \(proposals), committed \(committedProposals), elections \(electionMicros.count) "
                + "(p50 \(ms(Self.percentile(electionMicros, 50))) ms), commit p50 \(ms(Self.percentile(commitMicros, 50))) ms "
                + "p99 \(ms(Self.percentile(commitMicros, 99))) ms, \(messagesSent) messages, "
                + "\(Int(bytesPerCommittedEntry)) B per committed entry, crashes \(crashes) (torn \(tornWrites), storage failures \(storageFailures)), "
                + "snapshots \(snapshotsTaken) taken \(snapshotsInstalled) installed, \(membershipChanges) membership changes, \(latePromotions) late promotions, "
                + "final proposal \(finalProposalCommitted ? "committed" : "NOT committed")",
        ]
        lines += violations.map { "  VIOLATION \($0)" }
        if !passed { lines.append("  replay: \(options.replayCommand)") }
        return lines.joined(separator: "\n")
    }
}
