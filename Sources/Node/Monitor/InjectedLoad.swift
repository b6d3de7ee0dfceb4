/// A load given instead of measured, for tests and benchmarks: a file (re-read at every
/// sample, so a test can change it while the node runs) or a fixed value.
///
/// Format: one line, space-separated `key=value`: `cpu=‰` (busy, 0–1000), `memory=MiB`
/// (used), and optionally `cores=N` and `capacity=MiB` to stand for the machine. Unknown
/// keys are errors (a misspelt key would silently measure nothing).
public struct InjectedLoad: Equatable, Sendable {
    public var cpuBusyPermille: UInt16
    public var memoryUsedMiB: UInt64
    public var cores: Int?
    public var capacityMiB: UInt64?

    public init(cpuBusyPermille: UInt16, memoryUsedMiB: UInt64, cores: Int? = nil, capacityMiB: UInt64? = nil) {
        self.cpuBusyPermille = min(cpuBusyPermille, 1000)
        self.memoryUsedMiB = memoryUsedMiB
        self.cores = cores
        self.capacityMiB = capacityMiB
    }

    public static func parse(_ text: String, file: String = "injected load") throws(MonitorError) -> InjectedLoad {
        var cpu: UInt64?, memory: UInt64?, cores: UInt64?, capacity: UInt64?
        for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let value = parseDecimal(parts[1]) else {
                throw .malformed(file: file, field: "key=value", text: MonitorError.excerpt(pair))
            }
            switch parts[0] {
            case "cpu": cpu = value
            case "memory": memory = value
            case "cores": cores = value
            case "capacity": capacity = value
            default: throw .malformed(file: file, field: "key", text: MonitorError.excerpt(parts[0]))
            }
        }
        guard let cpu else { throw .missingField(file: file, field: "cpu") }
        guard cpu <= 1000 else { throw .malformed(file: file, field: "cpu", text: String(cpu)) }
        guard let memory else { throw .missingField(file: file, field: "memory") }
        guard memory <= UInt64(UInt32.max) else { throw .malformed(file: file, field: "memory", text: String(memory)) }
        if let cores, cores == 0 || cores > 4096 { throw .malformed(file: file, field: "cores", text: String(cores)) }
        if let capacity, capacity > UInt64(UInt32.max) { throw .malformed(file: file, field: "capacity", text: String(capacity)) }
        return InjectedLoad(cpuBusyPermille: UInt16(cpu), memoryUsedMiB: memory, cores: cores.map { Int($0) }, capacityMiB: capacity)
    }
}
