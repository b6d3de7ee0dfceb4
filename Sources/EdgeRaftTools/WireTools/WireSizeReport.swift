import Wire

/// The message sizes DESIGN.md §3 sets targets for, measured on our codec with the brief's
/// content (term 5, index 1,000,000, one 100-byte entry) beside etcd's protobuf encoding
/// and the paper's reference implementation (gob, steady state).
public struct WireSizeReport: Sendable {
    public struct Row: Sendable, Equatable {
        public let name: String
        /// Our frame: type byte + body, as the only frame of a payload.
        public let ours: Int
        public let target: Int
        public let etcd: Int?
        public let gob: Int?
        public var meetsTarget: Bool { ours <= target }
    }

    public let rows: [Row]

    /// A representative load: the values are chosen so each field takes its usual width.
    public static let sampleReport = WorkloadReport(
        cpuBusyPermille: 450, memoryUsedMiB: 900, loadPermille: 520,
        freeCPUMillicores: 2200, freeMemoryMiB: 3100, sampleAgeMillis: 80)

    /// Handling times as a Pi-class node sees them: a heartbeat touches no disk; an append
    /// and a vote wait for one fsync on an SD card.
    public static let heartbeatHandlingMicros: UInt64 = 12
    public static let fsyncHandlingMicros: UInt64 = 1800

    public static func measure() -> WireSizeReport {
        let term: UInt64 = 5
        let index: UInt64 = 1_000_000
        let entry = LogEntry(term: term, kind: .decision, payload: [UInt8](repeating: 0xA5, count: 100))
        let cases: [(String, Message, Int, Int?, Int?)] = [
            ("heartbeat (empty append)",
             .appendEntries(AppendEntries(term: term, prevLogIndex: index, prevLogTerm: term, leaderCommit: index)),
             8, 12, 53),
            ("heartbeat response",
             .appendResponse(AppendResponse(term: term, success: true, index: index, handlingMicros: heartbeatHandlingMicros)),
             6, 8, 50),
            ("append, 1 x 100 B entry",
             .appendEntries(AppendEntries(term: term, prevLogIndex: index - 1, prevLogTerm: term, leaderCommit: index - 1, entries: [entry])),
             112, 130, 231),
            ("append response",
             .appendResponse(AppendResponse(term: term, success: true, index: index, handlingMicros: fsyncHandlingMicros)),
             8, 12, 50),
            ("vote request",
             .requestVote(RequestVote(term: term, lastLogIndex: index, lastLogTerm: term - 1)),
             10, 14, 49),
            ("vote response",
             .voteResponse(VoteResponse(term: term, granted: true, handlingMicros: fsyncHandlingMicros)),
             4, 8, 49),
            ("vote response + workload report",
             .voteResponse(VoteResponse(term: term, granted: true, handlingMicros: fsyncHandlingMicros, report: sampleReport)),
             16, nil, nil),
        ]
        let rows = cases.map { name, message, target, etcd, gob in
            var bytes: [UInt8] = []
            message.encodeFrame(into: &bytes)
            return Row(name: name, ours: bytes.count, target: target, etcd: etcd, gob: gob)
        }
        return WireSizeReport(rows: rows)
    }

    public var allTargetsMet: Bool { rows.allSatisfy(\.meetsTarget) }

    /// A plain-text table, one line per case, our size first.
    public func render() -> String {
        func pad(_ s: String, _ width: Int) -> String {
            s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
        }
        func lpad(_ s: String, _ width: Int) -> String {
            s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
        }
        var lines = [
            "payload bytes (one frame, no datagram header or tag); term 5, index 1,000,000",
            pad("message", 34) + lpad("ours", 6) + lpad("target", 8) + lpad("etcd", 6) + lpad("gob", 6) + "  ok",
        ]
        for row in rows {
            lines.append(
                pad(row.name, 34) + lpad(String(row.ours), 6) + lpad("≤\(row.target)", 8)
                    + lpad(row.etcd.map(String.init) ?? "-", 6) + lpad(row.gob.map(String.init) ?? "-", 6)
                    + (row.meetsTarget ? "  yes" : "  NO"))
        }
        lines.append(
            "each sealed datagram adds \(DatagramHeader.size) B header + \(DatagramHeader.tagSize) B tag; "
                + "etcd = raftpb v3.7 protobuf, gob = the paper's reference implementation")
        return lines.joined(separator: "\n")
    }
}
