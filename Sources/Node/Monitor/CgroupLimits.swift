/// What a cgroup allows its processes; nil means no limit.
public struct CgroupLimits: Equatable, Sendable {
    public var cpuMillicores: UInt64?
    public var memoryBytes: UInt64?
    /// Memory the cgroup uses now (v2 memory.current, v1 memory.usage_in_bytes), if known.
    public var memoryUsedBytes: UInt64?

    public init(cpuMillicores: UInt64? = nil, memoryBytes: UInt64? = nil, memoryUsedBytes: UInt64? = nil) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
        self.memoryUsedBytes = memoryUsedBytes
    }

    public static let none = CgroupLimits()
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
