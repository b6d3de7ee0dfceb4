import Wire

/// What a node has (capacity) and uses, and what a report says once reservations count.
public struct NodeCapacity: Equatable, Sendable {
    public var cpuMillicores: UInt64
    public var memoryBytes: UInt64

    public init(cpuMillicores: UInt64, memoryBytes: UInt64) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
    }

    /// The smaller of the host and its cgroup's limit: a node in a 512 MiB cgroup has 512 MiB.
    public static func effective(hostCores: Int, hostMemory: HostMemory, cgroup: CgroupLimits) -> NodeCapacity {
        let hostCPU = UInt64(max(hostCores, 1)) * 1000
        return NodeCapacity(
            cpuMillicores: min(hostCPU, cgroup.cpuMillicores ?? hostCPU),
            memoryBytes: min(hostMemory.totalBytes, cgroup.memoryBytes ?? hostMemory.totalBytes))
    }
}

/// One sample of what the node uses.
public struct UsageSample: Equatable, Sendable {
    public var cpuBusyPermille: UInt16
    public var memoryUsedBytes: UInt64

    public init(cpuBusyPermille: UInt16, memoryUsedBytes: UInt64) {
        self.cpuBusyPermille = min(cpuBusyPermille, 1000)
        self.memoryUsedBytes = memoryUsedBytes
    }
}

extension WorkloadReport {
    static let mebibyte: UInt64 = 1 << 20

    /// The report a node sends: free = capacity − used − reserved (each at least 0), loads
    /// relative to the capacity, and the ranking value computed with the cluster's metric.
    /// `cpuBusyPermille` is the share of the node's capacity in use (the host's busy share
    /// scaled to the cgroup's quota when that is smaller).
    public static func from(
        usage: UsageSample, hostCPUMillicores: UInt64, capacity: NodeCapacity, reserved: Reservation,
        metric: LoadMetric, sampleAgeMillis: UInt32
    ) -> WorkloadReport {
        let capacityCPU = max(capacity.cpuMillicores, 1)
        // Busy share of the host in millicores, capped by what this node may use.
        let usedCPU = min(UInt64(usage.cpuBusyPermille) * hostCPUMillicores / 1000, capacityCPU)
        let usedMemory = min(usage.memoryUsedBytes, capacity.memoryBytes)
        let cpuPPM = usedCPU * 1_000_000 / capacityCPU
        // used ≤ capacity, so the quotient is at most 10^6 and the full-width division cannot trap.
        let memoryPPM = capacity.memoryBytes == 0
            ? 1_000_000 : capacity.memoryBytes.dividingFullWidth(usedMemory.multipliedFullWidth(by: 1_000_000)).quotient
        let freeCPU = capacityCPU - usedCPU
        let freeMemoryMiB = (capacity.memoryBytes - usedMemory) / mebibyte
        let reservedCPU = UInt64(reserved.cpuMillicores), reservedMemory = UInt64(reserved.memoryMiB)
        return WorkloadReport(
            cpuBusyPermille: UInt16(min(cpuPPM / 1000, 1000)),
            memoryUsedMiB: UInt32(min(usedMemory / mebibyte, UInt64(UInt32.max))),
            loadPermille: UInt16(min(metric.combine(cpuPPM: cpuPPM, memoryPPM: memoryPPM) / 1000, 1000)),
            freeCPUMillicores: UInt32(min(freeCPU > reservedCPU ? freeCPU - reservedCPU : 0, UInt64(UInt32.max))),
            freeMemoryMiB: UInt32(min(freeMemoryMiB > reservedMemory ? freeMemoryMiB - reservedMemory : 0, UInt64(UInt32.max))),
            sampleAgeMillis: sampleAgeMillis)
    }
}
