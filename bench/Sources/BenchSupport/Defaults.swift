import Benchmark

extension Benchmark.Configuration {
    /// Every EdgeRaft microbenchmark: time and allocations per operation, nanoseconds,
    /// 1,000 operations per sample, at most two seconds each.
    public static var edgeRaft: Benchmark.Configuration {
        Benchmark.Configuration(
            metrics: [.wallClock, .mallocCountTotal, .throughput],
            timeUnits: .nanoseconds,
            warmupIterations: 1000,
            scalingFactor: .kilo,
            maxDuration: .seconds(2),
            maxIterations: 1_000_000)
    }
}
