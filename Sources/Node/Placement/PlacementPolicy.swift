/// The cluster-wide settings placement and verification share. Leader and followers must
/// hold the same policy: a follower with another one would refuse honest decisions.
public struct PlacementPolicy: Equatable, Sendable, Hashable {
    public var metric: LoadMetric
    /// A report older than this (at decision time) is not fresh: its node is not a candidate.
    public var maxReportAgeMillis: UInt32
    /// When ranking (not when fitting), a pending service that asked for less counts as this
    /// much, so that a burst of requests without resource figures still spreads out (the
    /// same idea as Kubernetes' scheduler's non-zero request defaults).
    public var rankingFloor: ResourceDemand

    public init(
        metric: LoadMetric = .cpu, maxReportAgeMillis: UInt32 = 5_000,
        rankingFloor: ResourceDemand = ResourceDemand(cpuMillicores: 100, memoryMiB: 64)
    ) {
        self.metric = metric
        self.maxReportAgeMillis = maxReportAgeMillis
        self.rankingFloor = rankingFloor
    }

    public static let `default` = PlacementPolicy()
}
