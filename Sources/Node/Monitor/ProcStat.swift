/// The aggregate CPU line of /proc/stat, in clock ticks since boot.
public struct CPUTimes: Equatable, Sendable {
    public var busy: UInt64
    public var idle: UInt64

    public init(busy: UInt64, idle: UInt64) {
        self.busy = busy
        self.idle = idle
    }

    public var total: UInt64 { busy &+ idle }

    /// Parses the `cpu` line (user nice system idle iowait irq softirq steal [guest
    /// guest_nice]). Idle is idle + iowait; busy is the rest of the first eight (guest time
    /// is already inside user). Kernels before 2.6.11 print fewer fields: at least four.
    public static func parse(procStat text: String) throws(MonitorError) -> CPUTimes {
        let file = "/proc/stat"
        guard let line = text.split(separator: "\n", omittingEmptySubsequences: true).first(where: { $0.hasPrefix("cpu ") }) else {
            throw .missingField(file: file, field: "cpu line")
        }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst()
        guard fields.count >= 4 else { throw .malformed(file: file, field: "cpu line", text: MonitorError.excerpt(line)) }
        var values: [UInt64] = []
        for field in fields.prefix(8) {
            guard let value = parseDecimal(field) else { throw .malformed(file: file, field: "cpu time", text: MonitorError.excerpt(field)) }
            values.append(value)
        }
        var busy: UInt64 = 0, idle: UInt64 = 0
        for (position, value) in values.enumerated() {
            let (sum, overflow) = (position == 3 || position == 4) ? idle.addingReportingOverflow(value) : busy.addingReportingOverflow(value)
            guard !overflow else { throw .malformed(file: file, field: "cpu line", text: MonitorError.excerpt(line)) }
            if position == 3 || position == 4 { idle = sum } else { busy = sum }
        }
        guard !busy.addingReportingOverflow(idle).overflow else { throw .malformed(file: file, field: "cpu line", text: MonitorError.excerpt(line)) }
        return CPUTimes(busy: busy, idle: idle)
    }

    /// CPU busy between two samples, in ‰ of the time that passed; nil when no tick passed.
    public static func busyPermille(from earlier: CPUTimes, to later: CPUTimes) throws(MonitorError) -> UInt16? {
        guard later.busy >= earlier.busy, later.idle >= earlier.idle else { throw .counterWentBackwards(file: "/proc/stat") }
        let busy = later.busy - earlier.busy, total = later.total - earlier.total
        guard total > 0 else { return nil }
        // busy ≤ total, so busy × 1000 / total ≤ 1000; the product is split to avoid overflow.
        let permille = busy >= UInt64.max / 1000 ? busy / (total / 1000 == 0 ? 1 : total / 1000) : busy * 1000 / total
        return UInt16(min(permille, 1000))
    }
}
