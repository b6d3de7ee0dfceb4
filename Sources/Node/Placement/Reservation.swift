import Wire

/// Resources of services decided onto a node that its last report does not show yet.
/// Sums saturate at 2^32 − 1 instead of trapping (they come from requests, i.e. from
/// outside), which is also what the decision entry can carry.
public struct Reservation: Equatable, Sendable, Hashable {
    public var cpuMillicores: UInt32
    public var memoryMiB: UInt32
    public var services: UInt32

    public init(cpuMillicores: UInt32 = 0, memoryMiB: UInt32 = 0, services: UInt32 = 0) {
        self.cpuMillicores = cpuMillicores
        self.memoryMiB = memoryMiB
        self.services = services
    }

    public static let none = Reservation()

    public var isEmpty: Bool { services == 0 && cpuMillicores == 0 && memoryMiB == 0 }

    /// This reservation plus one more service asking for `demand`.
    public func adding(_ demand: ResourceDemand) -> Reservation {
        Reservation(
            cpuMillicores: cpuMillicores.addingSaturated(demand.cpuMillicores),
            memoryMiB: memoryMiB.addingSaturated(demand.memoryMiB),
            services: services.addingSaturated(1))
    }

    /// As the decision entry records it.
    public func pendingLoad(on node: NodeID) -> PendingLoad {
        PendingLoad(node: node, cpuMillicores: cpuMillicores, memoryMiB: memoryMiB, services: services)
    }

    public init(_ pending: PendingLoad) {
        self.init(cpuMillicores: pending.cpuMillicores, memoryMiB: pending.memoryMiB, services: pending.services)
    }
}

/// What one service asks of its node.
public struct ResourceDemand: Equatable, Sendable, Hashable {
    public var cpuMillicores: UInt32
    public var memoryMiB: UInt32

    public init(cpuMillicores: UInt32, memoryMiB: UInt32) {
        self.cpuMillicores = cpuMillicores
        self.memoryMiB = memoryMiB
    }
}

extension FixedWidthInteger where Self: UnsignedInteger {
    func addingSaturated(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    func multipliedSaturated(by other: Self) -> Self {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}
