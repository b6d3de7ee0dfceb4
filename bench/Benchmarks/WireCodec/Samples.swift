import Wire

/// One message of each kind with the design brief's content (term 5, index 1,000,000).
enum Samples {
    static let report = WorkloadReport(
        cpuBusyPermille: 450, memoryUsedMiB: 900, loadPermille: 520,
        freeCPUMillicores: 2200, freeMemoryMiB: 3100, sampleAgeMillis: 80)

    static let request = DeployRequest(
        requestID: 77, service: "thermo-agg", image: "registry.local/thermo:1.4",
        command: ["/bin/agg", "--window", "30s"],
        environment: [KeyValue("SITE", "vineyard-3")],
        ports: [PortMapping(containerPort: 8080, hostPort: 18080)],
        cpuMillicores: 250, memoryMiB: 128, labels: [])

    static var timings: PhaseTimings {
        var t = PhaseTimings()
        t.electionNetworkMean = 310; t.voteElectionMean = 1900; t.voteConsNetMean = 290
        t.voteConsElabMean = 1750; t.writeLog = 1600; t.transfertReq = 420
        return t
    }

    static let messages: [(String, Message)] = [
        ("heartbeat", .appendEntries(AppendEntries(term: 5, prevLogIndex: 1_000_000, prevLogTerm: 5, leaderCommit: 1_000_000))),
        ("append 1x100B", .appendEntries(AppendEntries(
            term: 5, prevLogIndex: 999_999, prevLogTerm: 5, leaderCommit: 999_999,
            entries: [LogEntry(term: 5, kind: .decision, payload: [UInt8](repeating: 0xA5, count: 100))]))),
        ("append response", .appendResponse(AppendResponse(term: 5, success: true, index: 1_000_000, handlingMicros: 1800))),
        ("append response + report", .appendResponse(AppendResponse(term: 5, success: true, index: 1_000_000, handlingMicros: 12, report: report))),
        ("vote request", .requestVote(RequestVote(term: 5, lastLogIndex: 1_000_000, lastLogTerm: 4))),
        ("vote response + report", .voteResponse(VoteResponse(term: 5, granted: true, handlingMicros: 1800, report: report))),
        ("ack 3 ranges", .ack(AckFrame(ranges: [AckRange(95, 100), AckRange(80, 90), AckRange(10, 10)], delayMicros: 1200)!)),
        ("timeout now", .timeoutNow(TimeoutNow(term: 5))),
        ("snapshot response", .snapshotResponse(SnapshotResponse(term: 5, lastIncludedIndex: 5000, nextOffset: 65_536, installed: false, handlingMicros: 900))),
        ("install snapshot 1KiB", .installSnapshot(InstallSnapshot(term: 5, lastIncludedIndex: 5000, lastIncludedTerm: 4, offset: 0, done: false, data: [UInt8](repeating: 7, count: 1024)))),
        ("deploy request", .deployRequest(request)),
        ("deploy result", .deployResult(DeployResult(requestID: 77, outcome: .placed(DeployPlacement(node: 4, logIndex: 1_000_000, term: 5, timings: timings))))),
        ("deploy transfer", .deployTransfer(DeployTransfer(logIndex: 1_000_000, term: 5, request: request))),
        ("deploy ack", .deployAck(DeployAck(requestID: 77, logIndex: 1_000_000, status: .running, handlingMicros: 950_000))),
        ("fragment 1KiB", .fragment(Fragment(messageID: 9, index: 1, count: 3, data: [UInt8](repeating: 0x5A, count: 1024)))),
    ]

    /// 64 decision-sized entries (≈160 B each, as a DecisionEntry with a 6-node load
    /// snapshot is), realistic enough for deflate: repeated structure, varying values.
    static let batch64: AppendEntries = {
        var entries: [LogEntry] = []
        for i in 0..<64 {
            var d = DecisionEntry(
                request: request, chosen: NodeID(i % 6), leader: 1, term: 5,
                timestampMicros: 1_795_000_000_000_000 + UInt64(i) * 250_000,
                loads: (0..<6).map { NodeLoad(node: NodeID($0), report: report) })
            d.request.requestID = UInt64(1000 + i)
            d.loads[i % 6].report.loadPermille = UInt16(100 + i)
            entries.append(LogEntry(term: 5, kind: .decision, payload: d.encoded()))
        }
        return AppendEntries(term: 5, prevLogIndex: 1_000_000, prevLogTerm: 5, leaderCommit: 1_000_000, entries: entries)
    }()

    static let rawBatch64: [UInt8] = {
        var body: [UInt8] = []
        batch64.encodeBody(into: &body)
        // The batch is everything after the four head varints (term, prev, prev term, commit).
        return Array(body.dropFirst(1 + 3 + 1 + 1))
    }()
}
