#if canImport(Glibc)
import Glibc
#endif
import Wire

/// The monitor's thin shell: reads its source every `periodMillis` (time comes in as an
/// argument) and turns the latest sample into the node's workload report.
public struct WorkloadSampler: Sendable {
    public enum Source: Equatable, Sendable {
        /// /proc and cgroup files; `hostCores` is the number of online CPUs.
        case measured(MonitorPaths, hostCores: Int)
        /// A file in the `InjectedLoad` format, re-read at every sample.
        case injectedFile(String)
        case injected(InjectedLoad)
    }

    /// One taken sample: what the node uses and has.
    public struct Sample: Equatable, Sendable {
        public var usage: UsageSample
        public var hostCPUMillicores: UInt64
        public var capacity: NodeCapacity
        public var takenAtMillis: UInt64
    }

    public let source: Source
    public let periodMillis: UInt64
    public let metric: LoadMetric
    public private(set) var latest: Sample?
    private var previousCPU: CPUTimes?
    private var lastAttemptMillis: UInt64?

    public init(source: Source, periodMillis: UInt64 = 1_000, metric: LoadMetric) {
        self.source = source
        self.periodMillis = max(periodMillis, 1)
        self.metric = metric
    }

    /// The number of online CPUs of this machine.
    public static var onlineCores: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }

    public func isDue(nowMillis: UInt64) -> Bool {
        guard let last = lastAttemptMillis else { return true }
        return nowMillis >= last.addingSaturated(periodMillis)
    }

    /// Samples when a period has passed since the last attempt. A failed read keeps the
    /// previous sample, which then ages and stops being fresh: a node that cannot measure
    /// itself stops being chosen rather than looking idle.
    @discardableResult
    public mutating func sampleIfDue(nowMillis: UInt64) throws(MonitorError) -> Bool {
        guard isDue(nowMillis: nowMillis) else { return false }
        lastAttemptMillis = nowMillis
        try sample(nowMillis: nowMillis)
        return true
    }

    public mutating func sample(nowMillis: UInt64) throws(MonitorError) {
        switch source {
        case .injected(let load):
            latest = Self.sample(of: load, at: nowMillis)
        case .injectedFile(let path):
            latest = Self.sample(of: try InjectedLoad.parse(MonitorFiles.read(path), file: path), at: nowMillis)
        case .measured(let paths, let hostCores):
            let times = try CPUTimes.parse(procStat: MonitorFiles.read(paths.procStat))
            let memory = try HostMemory.parse(memInfo: MonitorFiles.read(paths.procMeminfo))
            let cgroup = try MonitorFiles.cgroupLimits(paths)
            defer { previousCPU = times }
            // CPU busy needs two readings: until then there is no sample (and no report).
            guard let previous = previousCPU, let busy = try CPUTimes.busyPermille(from: previous, to: times) else { return }
            let capacity = NodeCapacity.effective(hostCores: hostCores, hostMemory: memory, cgroup: cgroup)
            latest = Sample(
                usage: UsageSample(cpuBusyPermille: busy, memoryUsedBytes: cgroup.memoryUsed(host: memory)),
                hostCPUMillicores: UInt64(max(hostCores, 1)) * 1000, capacity: capacity, takenAtMillis: nowMillis)
        }
    }

    /// The report to send now, with `reserved` (services decided onto this node) taken off
    /// the free capacity; nil before the first sample — never an "idle" report.
    public func report(nowMillis: UInt64, reserved: Reservation) -> WorkloadReport? {
        guard let latest else { return nil }
        let age = nowMillis > latest.takenAtMillis ? nowMillis - latest.takenAtMillis : 0
        return WorkloadReport.from(
            usage: latest.usage, hostCPUMillicores: latest.hostCPUMillicores, capacity: latest.capacity,
            reserved: reserved, metric: metric, sampleAgeMillis: UInt32(min(age, UInt64(UInt32.max))))
    }

    private static func sample(of load: InjectedLoad, at now: UInt64) -> Sample {
        let cores = UInt64(load.cores ?? 4)
        let capacityMiB = load.capacityMiB ?? 4_096
        return Sample(
            usage: UsageSample(cpuBusyPermille: load.cpuBusyPermille, memoryUsedBytes: load.memoryUsedMiB << 20),
            hostCPUMillicores: cores * 1000,
            capacity: NodeCapacity(cpuMillicores: cores * 1000, memoryBytes: capacityMiB << 20), takenAtMillis: now)
    }
}
