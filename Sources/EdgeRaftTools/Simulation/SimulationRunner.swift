import Dispatch
import NetworkModel
import Raft
import RaftSimulation
import Synchronization
import Wire

/// Runs Raft's seeded cluster simulation for the command line: one seed, a sweep of
/// seeds over both cores, or the matrix of numbers recorded in bench/RESULTS.md.
public enum SimulationRunner {
    public struct SweepResult: Sendable {
        public var seeds = 0
        public var failures: [SimulationReport] = []
        public var proposals = 0
        public var committed = 0
        public var crashes = 0
        public var tornWrites = 0
        public var snapshotsInstalled = 0
        public var membershipChanges = 0
        public var latePromotions = 0

        public init() {}

        /// The totals of one run.
        init(_ report: SimulationReport) {
            seeds = 1
            proposals = report.proposals
            committed = report.committedProposals
            crashes = report.crashes
            tornWrites = report.tornWrites
            snapshotsInstalled = report.snapshotsInstalled
            membershipChanges = report.membershipChanges
            latePromotions = report.latePromotions
            failures = report.passed ? [] : [report]
        }

        mutating func add(_ other: SweepResult) {
            seeds += other.seeds
            proposals += other.proposals
            committed += other.committed
            crashes += other.crashes
            tornWrites += other.tornWrites
            snapshotsInstalled += other.snapshotsInstalled
            membershipChanges += other.membershipChanges
            latePromotions += other.latePromotions
            failures += other.failures
        }

        public var summary: String {
            "\(seeds) seeds: \(failures.count) failed; \(committed) of \(proposals) proposals committed; "
                + "\(crashes) crashes (\(tornWrites) torn writes), \(snapshotsInstalled) snapshots installed, "
                + "\(membershipChanges) membership changes, \(latePromotions) late promotions"
        }
    }

    /// Runs chaos seeds `first..<first + count` in parallel; `progress` is called now and
    /// then with the number done.
    public static func sweep(first: UInt64, count: Int, progress: @Sendable (Int) -> Void) -> SweepResult {
        let total = Mutex(SweepResult())
        let chunk = 200
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var local = SweepResult()
            let start = c * chunk
            for i in start..<min(start + chunk, count) {
                var simulation = ClusterSimulation(.chaos(seed: first + UInt64(i)))
                local.add(SweepResult(simulation.run()))
            }
            let done = total.withLock { t in
                t.add(local)
                return t.seeds
            }
            progress(done)
        }
        return total.withLock { $0 }
    }

    public struct MatrixRow: Sendable {
        public var profile: String
        public var nodes: Int
        public var mode: String
        public var report: SimulationReport
    }

    /// Time to elect, time to commit and bytes per committed entry for each profile, size
    /// and leadership mode, without partitions; in stable mode the leader is crashed every
    /// 5 s so that elections are timed from its loss.
    public static func matrix(profiles: [LinkProfile], sizes: [Int], seconds: Int, seed: UInt64) -> [MatrixRow] {
        let modes: [(String, RaftConfig.LeadershipMode)] = [("stable", .stable), ("on-demand", .onDemand(idleTicks: 0))]
        let cases = profiles.flatMap { p in sizes.flatMap { n in modes.map { m in (p, n, m.0, m.1) } } }
        let rows = Mutex([MatrixRow?](repeating: nil, count: cases.count))
        DispatchQueue.concurrentPerform(iterations: cases.count) { i in
            let (profile, nodes, name, mode) = cases[i]
            var options = SimulationOptions(seed: seed, profile: profile)
            options.nodes = nodes
            options.mode = mode
            options.durationMicros = UInt64(seconds) * 1_000_000
            options.proposalsPerSecond = 4
            // A stable leader is elected once; crash it every 5 s to time failovers too.
            if case .stable = mode { options.crashLeaderEveryMicros = 5_000_000 }
            var simulation = ClusterSimulation(options)
            let report = simulation.run()
            rows.withLock { $0[i] = MatrixRow(profile: profile.name, nodes: nodes, mode: name, report: report) }
        }
        return rows.withLock { $0.compactMap { $0 } }
    }

    public static func renderMatrix(_ rows: [MatrixRow]) -> String {
        func ms(_ v: UInt64?) -> String {
            guard let v else { return "-" }
            let tenths = (v + 50) / 100
            return "\(tenths / 10).\(tenths % 10)"
        }
        var lines = [
            "| profile | nodes | mode | elections | elect p50 ms | elect p99 ms | commits | commit p50 ms | commit p99 ms | B / committed entry | safe |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in rows {
            let r = row.report
            lines.append(
                "| \(row.profile) | \(row.nodes) | \(row.mode) | \(r.electionMicros.count) | "
                    + "\(ms(SimulationReport.percentile(r.electionMicros, 50))) | \(ms(SimulationReport.percentile(r.electionMicros, 99))) | "
                    + "\(r.commitMicros.count) | \(ms(SimulationReport.percentile(r.commitMicros, 50))) | "
                    + "\(ms(SimulationReport.percentile(r.commitMicros, 99))) | \(Int(r.bytesPerCommittedEntry.rounded())) | "
                    + "\(r.passed ? "yes" : "NO") |")
        }
        return lines.joined(separator: "\n")
    }
}
