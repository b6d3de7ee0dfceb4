/// What "load" means when nodes are ranked (the paper's §4.1 step 2): CPU busy, memory
/// used, or a weighted mean of the two. Every node of a cluster must use the same metric,
/// because followers re-run the ranking when they verify a decision.
public enum LoadMetric: Equatable, Sendable, Hashable, CustomStringConvertible {
    case cpu
    case memory
    /// `cpuWeightPermille` of CPU plus the rest of memory; 0…1000, larger values clamp.
    case weighted(cpuWeightPermille: UInt16)

    /// The combined load in parts per million from the two parts, each 0…1_000_000.
    public func combine(cpuPPM: UInt64, memoryPPM: UInt64) -> UInt64 {
        let cpu = min(cpuPPM, Self.fullPPM)
        let memory = min(memoryPPM, Self.fullPPM)
        switch self {
        case .cpu: return cpu
        case .memory: return memory
        case .weighted(let raw):
            let weight = UInt64(min(raw, 1000))
            // Both products stay below 10^9 · 10^3, far from overflow.
            return (weight * cpu + (1000 - weight) * memory) / 1000
        }
    }

    public static let fullPPM: UInt64 = 1_000_000

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .memory: return "memory"
        case .weighted(let weight): return "weighted(\(weight)‰ cpu)"
        }
    }
}
