import Wire

/// A follower's check that a decision quotes its own load as it reported it.
public enum OwnLoadVerdict: Equatable, Sendable, Hashable {
    /// The entry quotes one of the reports this node sent.
    case matches
    /// The entry has no load for this node (its report may not have reached the leader).
    case notQuoted
    /// The entry quotes a load this node never reported: withhold the acknowledgement.
    case misquoted(WorkloadReport)
    /// This node appears more than once among the loads.
    case quotedTwice
    /// The quote is older than a fresh report may be: placement never counts it, so it
    /// cannot place anything here (and this node need not remember what it sent that long).
    case stale
}

public enum OwnLoadCheck {
    /// A quote matches a sent report when every measured field is equal and its age is not
    /// younger than the report's at sending (the leader adds the time it held the report;
    /// it may never make a report look fresher).
    public static func check(_ entry: DecisionEntry, me: NodeID, sent: SentReports, maxReportAgeMillis: UInt32 = .max) -> OwnLoadVerdict {
        let mine = entry.loads.filter { $0.node == me }
        guard let quoted = mine.first?.report else { return .notQuoted }
        guard mine.count == 1 else { return .quotedTwice }
        guard quoted.sampleAgeMillis <= maxReportAgeMillis else { return .stale }
        let honest = sent.reports.contains { report in
            var aged = report
            aged.sampleAgeMillis = quoted.sampleAgeMillis
            return aged == quoted && quoted.sampleAgeMillis >= report.sampleAgeMillis
        }
        return honest ? .matches : .misquoted(quoted)
    }
}
