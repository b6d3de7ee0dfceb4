/// What a cgroup allows its processes; nil means no limit.
public struct CgroupLimits: Equatable, Sendable {
    public var cpuMillicores: UInt64?
    public var memoryBytes: UInt64?
    /// Memory the cgroup uses now without its reclaimable page cache (v2 memory.current,
    /// v1 memory.usage_in_bytes, each minus inactive file pages from memory.stat), if known.
    public var memoryUsedBytes: UInt64?

    public init(cpuMillicores: UInt64? = nil, memoryBytes: UInt64? = nil, memoryUsedBytes: UInt64? = nil) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
        self.memoryUsedBytes = memoryUsedBytes
    }

    public static let none = CgroupLimits()

    /// What the node counts as used: the cgroup's own figure when the cgroup has a memory
    /// limit, else the host's (MemTotal − MemAvailable) — an unlimited cgroup's usage can be
    /// the whole machine's (a v1 controller root), which says nothing about this node.
    public func memoryUsed(host: HostMemory) -> UInt64 {
        guard memoryBytes != nil, let memoryUsedBytes else { return host.usedBytes }
        return memoryUsedBytes
    }
}

/// Parsers for the cgroup files. Each takes the file's text (a trailing newline allowed).
public enum CgroupParse {
    /// v2 `cpu.max`: "max PERIOD" or "QUOTA PERIOD" (µs) → millicores = quota × 1000 / period.
    public static func cpuMax(_ text: String) throws(MonitorError) -> UInt64? {
        let file = "cpu.max"
        let parts = trimmed(text).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let period = parseDecimal(parts[1]), period > 0 else {
            throw .malformed(file: file, field: "quota and period", text: MonitorError.excerpt(text))
        }
        if parts[0] == "max" { return nil }
        guard let quota = parseDecimal(parts[0]) else { throw .malformed(file: file, field: "quota", text: MonitorError.excerpt(parts[0])) }
        return millicores(quota: quota, period: period)
    }

    /// v2 `memory.max`: "max" or bytes.
    public static func memoryMax(_ text: String) throws(MonitorError) -> UInt64? {
        let value = trimmed(text)
        if value == "max" { return nil }
        guard let bytes = parseDecimal(value) else { throw .malformed(file: "memory.max", field: "limit", text: MonitorError.excerpt(value)) }
        return bytes
    }

    /// v2 `memory.current` or v1 `memory.usage_in_bytes`: bytes.
    public static func bytes(_ text: String, file: String) throws(MonitorError) -> UInt64 {
        let value = trimmed(text)
        guard let bytes = parseDecimal(value) else { throw .malformed(file: file, field: "bytes", text: MonitorError.excerpt(value)) }
        return bytes
    }

    /// v1 `cpu.cfs_quota_us` ("-1" = no limit) with `cpu.cfs_period_us`.
    public static func cfsQuota(_ quotaText: String, period periodText: String) throws(MonitorError) -> UInt64? {
        let quota = trimmed(quotaText)
        if quota == "-1" { return nil }
        guard let quotaMicros = parseDecimal(quota) else { throw .malformed(file: "cpu.cfs_quota_us", field: "quota", text: MonitorError.excerpt(quota)) }
        let period = trimmed(periodText)
        guard let periodMicros = parseDecimal(period), periodMicros > 0 else {
            throw .malformed(file: "cpu.cfs_period_us", field: "period", text: MonitorError.excerpt(period))
        }
        return millicores(quota: quotaMicros, period: periodMicros)
    }

    /// v1 `memory.limit_in_bytes`. With no limit set the kernel prints a huge page-aligned
    /// number (2^63 − 4096 on 64-bit): anything from 2^62 on reads as no limit.
    public static func memoryLimitInBytes(_ text: String) throws(MonitorError) -> UInt64? {
        let value = trimmed(text)
        guard let bytes = parseDecimal(value) else { throw .malformed(file: "memory.limit_in_bytes", field: "limit", text: MonitorError.excerpt(value)) }
        return bytes >= (1 << 62) ? nil : bytes
    }

    /// The process's own cgroup v2 path from /proc/self/cgroup (the `0::PATH` line), e.g.
    /// "/system.slice/edgeraft.service"; nil on a v1-only host. A path with ".." is refused.
    public static func ownV2Path(_ text: String) throws(MonitorError) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            let path = line.dropFirst(3)
            guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw .malformed(file: "/proc/self/cgroup", field: "v2 path", text: MonitorError.excerpt(path))
            }
            return String(path)
        }
        return nil
    }

    /// The process's own cgroup v1 path for `controller` ("memory", "cpu") from
    /// /proc/self/cgroup (an `ID:LIST:PATH` line whose comma-separated LIST names it);
    /// nil when no line does. A path with ".." is refused.
    public static func ownV1Path(_ text: String, controller: String) throws(MonitorError) -> String? {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1].split(separator: ",").contains(Substring(controller)) else { continue }
            let path = fields[2]
            guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw .malformed(file: "/proc/self/cgroup", field: "v1 \(controller) path", text: MonitorError.excerpt(path))
            }
            return String(path)
        }
        return nil
    }

    /// The page cache the kernel can reclaim, from `memory.stat`: `key` is v2's
    /// "inactive_file" or v1's "total_inactive_file" (the cgroup and its children). Nil
    /// when the file has no such line.
    public static func inactiveFileBytes(memoryStat text: String, key: String) throws(MonitorError) -> UInt64? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.first.map({ $0 == key }) == true else { continue }
            guard parts.count == 2, let bytes = parseDecimal(parts[1]) else {
                throw .malformed(file: "memory.stat", field: key, text: MonitorError.excerpt(line))
            }
            return bytes
        }
        return nil
    }

    /// quota × 1000 / period in full width, saturated: a hostile file must not trap.
    static func millicores(quota: UInt64, period: UInt64) -> UInt64 {
        guard period > 0 else { return .max }
        let product = quota.multipliedFullWidth(by: 1000)
        guard product.high < period else { return .max }
        return period.dividingFullWidth(product).quotient
    }

    private static func trimmed(_ text: String) -> Substring {
        var view = Substring(text)
        while let last = view.last, last == "\n" || last == " " { view.removeLast() }
        return view
    }
}
