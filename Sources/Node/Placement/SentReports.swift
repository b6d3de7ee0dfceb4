import Wire

/// The workload reports this node sent while a leader may still quote them, so that it can
/// recognise its own load in a decision entry (reports cross in flight, and a leader quotes
/// the last one it holds, which may be many responses old).
///
/// Kept by what was measured, not by message: every response carries a report, and most
/// repeat the last one with an older age. Remembering each copy let a burst of responses
/// push out the report a leader was quoting, and the node then refused an honest decision as
/// misquoted — for good, so nothing behind that entry could commit. So each distinct
/// measurement is kept once, with the youngest age it was sent with, the oldest going
/// first only when `capacity` distinct ones are held. Not by time: a follower catching up
/// a long log, or cut off for a while, meets quotes of reports it sent long ago.
public struct SentReports: Equatable, Sendable {
    public let capacity: Int
    public private(set) var reports: [WorkloadReport] = []

    public init(capacity: Int = 1_024) {
        self.capacity = max(1, capacity)
    }

    public mutating func record(_ report: WorkloadReport) {
        if let i = reports.firstIndex(where: { Self.sameMeasurement($0, report) }) {
            var kept = reports.remove(at: i)
            kept.sampleAgeMillis = min(kept.sampleAgeMillis, report.sampleAgeMillis)
            reports.append(kept)
        } else {
            if reports.count >= capacity { reports.removeFirst(reports.count - capacity + 1) }
            reports.append(report)
        }
    }

    static func sameMeasurement(_ a: WorkloadReport, _ b: WorkloadReport) -> Bool {
        var b = b
        b.sampleAgeMillis = a.sampleAgeMillis
        return a == b
    }
}
