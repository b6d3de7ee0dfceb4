import Wire

/// The workload reports this node sent while a leader may still quote them, so that it can
/// recognise its own load in a decision entry (reports cross in flight, and a leader quotes
/// the last one it holds, which may be many responses old).
///
/// Kept by what was measured, not by message: every response carries a report, and most
/// repeat the last one with an older age. Remembering each copy let a burst of responses
/// push out the report a leader was quoting, and the node then refused an honest decision as
/// misquoted — for good, so nothing behind that entry could commit. So each distinct
/// measurement is kept once, with the youngest age it was sent with, for as long as a
/// quote of it could still be fresh (`retentionMillis`); `capacity` only bounds memory.
public struct SentReports: Equatable, Sendable {
    struct Sent: Equatable, Sendable {
        var report: WorkloadReport
        var lastSentMillis: UInt64
    }

    public let capacity: Int
    public let retentionMillis: UInt64
    private(set) var sent: [Sent] = []

    public init(capacity: Int = 256, retentionMillis: UInt64 = 5_000) {
        self.capacity = max(1, capacity)
        self.retentionMillis = retentionMillis
    }

    public var reports: [WorkloadReport] { sent.map(\.report) }

    public mutating func record(_ report: WorkloadReport, atMillis now: UInt64) {
        sent.removeAll { now > $0.lastSentMillis && now - $0.lastSentMillis > retentionMillis }
        if let i = sent.firstIndex(where: { Self.sameMeasurement($0.report, report) }) {
            var kept = sent.remove(at: i)
            kept.report.sampleAgeMillis = min(kept.report.sampleAgeMillis, report.sampleAgeMillis)
            kept.lastSentMillis = max(kept.lastSentMillis, now)
            sent.append(kept)
        } else {
            if sent.count >= capacity { sent.removeFirst(sent.count - capacity + 1) }
            sent.append(Sent(report: report, lastSentMillis: now))
        }
    }

    static func sameMeasurement(_ a: WorkloadReport, _ b: WorkloadReport) -> Bool {
        var b = b
        b.sampleAgeMillis = a.sampleAgeMillis
        return a == b
    }
}
