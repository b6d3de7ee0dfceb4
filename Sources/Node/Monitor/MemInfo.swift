/// The host's memory from /proc/meminfo.
public struct HostMemory: Equatable, Sendable {
    public var totalBytes: UInt64
    public var availableBytes: UInt64

    public init(totalBytes: UInt64, availableBytes: UInt64) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
    }

    public var usedBytes: UInt64 { totalBytes > availableBytes ? totalBytes - availableBytes : 0 }

    /// Reads `MemTotal` and `MemAvailable` (the kernel's estimate of what can be allocated
    /// without swapping; present since Linux 3.14), both in kB.
    public static func parse(memInfo text: String) throws(MonitorError) -> HostMemory {
        var total: UInt64?, available: UInt64?
        for line in text.split(separator: "\n") {
            let isTotal = line.hasPrefix("MemTotal:"), isAvailable = line.hasPrefix("MemAvailable:")
            guard isTotal || isAvailable else { continue }
            let field = isTotal ? "MemTotal" : "MemAvailable"
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3, parts[2] == "kB", let kilobytes = parseDecimal(parts[1]) else {
                throw .malformed(file: "/proc/meminfo", field: field, text: MonitorError.excerpt(line))
            }
            let (bytes, overflow) = kilobytes.multipliedReportingOverflow(by: 1024)
            guard !overflow else { throw .malformed(file: "/proc/meminfo", field: field, text: MonitorError.excerpt(line)) }
            if isTotal { total = bytes } else { available = bytes }
        }
        guard let total else { throw .missingField(file: "/proc/meminfo", field: "MemTotal") }
        guard let available else { throw .missingField(file: "/proc/meminfo", field: "MemAvailable") }
        return HostMemory(totalBytes: total, availableBytes: min(available, total))
    }
}
