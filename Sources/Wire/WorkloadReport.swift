/// A node's load as its monitor last sampled it: what placement ranks nodes by and what
/// followers check a decision against.
///
/// Encoded as six varints in this order, each range-checked on decode:
/// CPU busy (‰, 0–1000), memory used (MiB), combined load (‰, 0–1000),
/// free CPU (millicores), free memory (MiB), sample age (ms).
public struct WorkloadReport: Equatable, Sendable, Hashable {
    public static let maxPermille: UInt16 = 1000
    /// The longest encoding: two permille fields of 2 bytes, four 32-bit fields of 5.
    public static let maxEncodedBytes = 2 * varintSize(UInt64(maxPermille)) + 4 * varintSize(UInt64(UInt32.max))

    public var cpuBusyPermille: UInt16
    public var memoryUsedMiB: UInt32
    /// The single number nodes are ranked by (lower is less loaded).
    public var loadPermille: UInt16
    public var freeCPUMillicores: UInt32
    public var freeMemoryMiB: UInt32
    /// How old the sample was when the report was sent.
    public var sampleAgeMillis: UInt32

    public init(
        cpuBusyPermille: UInt16, memoryUsedMiB: UInt32, loadPermille: UInt16,
        freeCPUMillicores: UInt32, freeMemoryMiB: UInt32, sampleAgeMillis: UInt32
    ) {
        self.cpuBusyPermille = cpuBusyPermille
        self.memoryUsedMiB = memoryUsedMiB
        self.loadPermille = loadPermille
        self.freeCPUMillicores = freeCPUMillicores
        self.freeMemoryMiB = freeMemoryMiB
        self.sampleAgeMillis = sampleAgeMillis
    }

    public func encode(into out: inout [UInt8]) {
        out.appendVarint(UInt64(cpuBusyPermille))
        out.appendVarint(UInt64(memoryUsedMiB))
        out.appendVarint(UInt64(loadPermille))
        out.appendVarint(UInt64(freeCPUMillicores))
        out.appendVarint(UInt64(freeMemoryMiB))
        out.appendVarint(UInt64(sampleAgeMillis))
    }

    public static func decode(from reader: inout WireReader) throws(WireError) -> WorkloadReport {
        let permille = UInt64(maxPermille)
        let u32 = UInt64(UInt32.max)
        return WorkloadReport(
            cpuBusyPermille: UInt16(try reader.readVarint("cpu busy", max: permille)),
            memoryUsedMiB: UInt32(try reader.readVarint("memory used", max: u32)),
            loadPermille: UInt16(try reader.readVarint("load", max: permille)),
            freeCPUMillicores: UInt32(try reader.readVarint("free cpu", max: u32)),
            freeMemoryMiB: UInt32(try reader.readVarint("free memory", max: u32)),
            sampleAgeMillis: UInt32(try reader.readVarint("sample age", max: u32)))
    }
}
