import Wire

/// The last few workload reports this node sent, so that it can recognise its own load in
/// a decision entry. A leader may quote any recent one (reports cross in flight).
public struct SentReports: Equatable, Sendable {
    public let capacity: Int
    public private(set) var reports: [WorkloadReport] = []

    public init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
    }

    public mutating func record(_ report: WorkloadReport) {
        if reports.count >= capacity { reports.removeFirst(reports.count - capacity + 1) }
        reports.append(report)
    }
}
