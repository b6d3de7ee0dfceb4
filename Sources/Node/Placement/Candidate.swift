import Wire

/// One node as placement sees it: its last report (with its age at decision time) and what
/// was decided onto it since that report was sampled.
public struct Candidate: Equatable, Sendable, Hashable {
    public var node: NodeID
    public var report: WorkloadReport
    public var pending: Reservation

    public init(node: NodeID, report: WorkloadReport, pending: Reservation = .none) {
        self.node = node
        self.report = report
        self.pending = pending
    }

    /// Every candidate a decision entry records, with its pending services.
    public static func recorded(in entry: DecisionEntry) -> [Candidate] {
        var pending: [NodeID: Reservation] = [:]
        for item in entry.pending { pending[item.node] = Reservation(item) }
        return entry.loads.map { Candidate(node: $0.node, report: $0.report, pending: pending[$0.node] ?? .none) }
    }

    public func isFresh(_ policy: PlacementPolicy) -> Bool {
        report.sampleAgeMillis <= policy.maxReportAgeMillis
    }

    /// Free CPU once the pending services are taken off (never below zero).
    public var projectedFreeCPUMillicores: UInt64 {
        let free = UInt64(report.freeCPUMillicores), taken = UInt64(pending.cpuMillicores)
        return free > taken ? free - taken : 0
    }

    public var projectedFreeMemoryMiB: UInt64 {
        let free = UInt64(report.freeMemoryMiB), taken = UInt64(pending.memoryMiB)
        return free > taken ? free - taken : 0
    }

    public func fits(_ demand: ResourceDemand) -> Bool {
        projectedFreeCPUMillicores >= UInt64(demand.cpuMillicores)
            && projectedFreeMemoryMiB >= UInt64(demand.memoryMiB)
    }

    /// The load this node would show once its pending services count, in parts per million.
    ///
    /// CPU: the pending CPU takes its share of the idle part, free CPU standing for that
    /// idle part. Memory: used over used + free, the pending memory added to used. A report
    /// carries no capacity, so these are the closest figures the entry alone determines.
    public func projectedLoadPPM(_ policy: PlacementPolicy) -> UInt64 {
        let full = LoadMetric.fullPPM
        let services = UInt64(pending.services)
        // Below 2^32 · 2^32: no overflow.
        let rankedCPU = max(UInt64(pending.cpuMillicores), services * UInt64(policy.rankingFloor.cpuMillicores))
        let rankedMemory = max(UInt64(pending.memoryMiB), services * UInt64(policy.rankingFloor.memoryMiB))

        let busyPPM = min(UInt64(report.cpuBusyPermille) * 1000, full)
        var cpuPPM = busyPPM
        if rankedCPU > 0 {
            let free = UInt64(report.freeCPUMillicores)
            if free == 0 {
                cpuPPM = full
            } else {
                // Idle ppm (≤ 10^6) × rankedCPU (< 2^64) can overflow: saturate.
                let share = (full - busyPPM).multipliedSaturated(by: rankedCPU) / free
                cpuPPM = min(full, busyPPM.addingSaturated(share))
            }
        }

        let used = UInt64(report.memoryUsedMiB)
        let total = used + UInt64(report.freeMemoryMiB)
        let memoryPPM: UInt64
        if total == 0 {
            memoryPPM = full
        } else {
            memoryPPM = min(full, used.addingSaturated(rankedMemory).multipliedSaturated(by: full) / total)
        }
        return policy.metric.combine(cpuPPM: cpuPPM, memoryPPM: memoryPPM)
    }
}
