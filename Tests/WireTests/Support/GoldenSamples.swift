@testable import Wire

/// The messages whose bytes are pinned under `Vectors/` (one hex file each).
enum GoldenSamples {
    enum Form {
        case frame(Message, compression: BatchCompression?)
        case payload([Message])
        case datagram(DatagramHeader, [Message])
        case decision(DecisionEntry)
        case outcome(OutcomeEntry)
        case memberRecord(MemberRecord)
        case initiation(HandshakeInitiation)
        case response(HandshakeResponse)
        case cookieReply(CookieReply)

        func encoded() -> [UInt8] {
            switch self {
            case .frame(let m, let compression):
                var out: [UInt8] = []
                m.encodeFrame(into: &out, compression: compression)
                return out
            case .payload(let ms): return Payload.encode(ms)
            case .datagram(let h, let ms): return DatagramParts.encodePlain(header: h, messages: ms)
            case .decision(let d): return d.encoded()
            case .outcome(let o): return o.encoded()
            case .memberRecord(let r): return r.encoded()
            case .initiation(let m): return m.encode()
            case .response(let m): return m.encode()
            case .cookieReply(let m): return m.encode()
            }
        }
    }

    static let report = WorkloadReport(
        cpuBusyPermille: 450, memoryUsedMiB: 900, loadPermille: 520,
        freeCPUMillicores: 2200, freeMemoryMiB: 3100, sampleAgeMillis: 80)

    static let request = DeployRequest(
        requestID: 77, service: "thermo-agg", image: "registry.local/thermo:1.4",
        command: ["/bin/agg", "--window", "30s"],
        environment: [KeyValue("SITE", "vineyard-3"), KeyValue("LOG", "info")],
        ports: [PortMapping(containerPort: 8080, hostPort: 18080), PortMapping(containerPort: 5353, hostPort: 5353, proto: .udp)],
        cpuMillicores: 250, memoryMiB: 128, labels: [KeyValue("tier", "edge")])

    static var timings: PhaseTimings {
        var t = PhaseTimings()
        t.requestElab = 40; t.electionNetworkMean = 310; t.voteElectionMean = 1900; t.choosingPhase = 3
        t.voteConsNetMean = 290; t.voteConsElabMean = 1750; t.writeLog = 1600; t.transfertReq = 420
        return t
    }

    static let entry100 = LogEntry(term: 5, kind: .decision, payload: [UInt8](repeating: 0xA5, count: 100))

    static let memberRecord = MemberRecord(node: 7, address: "192.168.1.17:7007", publicKey: (0..<32).map { UInt8(0x40 + $0) })

    static func packet(_ n: UInt64) -> PacketNumber { PacketNumber(n) ?? .max }

    static let all: [(name: String, form: Form)] = [
        ("ack-single", .frame(.ack(AckFrame(ranges: [AckRange(90, 100)], delayMicros: 25)!), compression: nil)),
        ("ack-ranges", .frame(.ack(AckFrame(ranges: [AckRange(95, 100), AckRange(80, 90), AckRange(10, 10)], delayMicros: 1200)!), compression: nil)),
        ("request-vote", .frame(.requestVote(RequestVote(term: 5, lastLogIndex: 1_000_000, lastLogTerm: 4)), compression: nil)),
        ("request-prevote-transfer", .frame(.requestVote(RequestVote(term: 6, lastLogIndex: 12, lastLogTerm: 5, preVote: true, leadershipTransfer: true)), compression: nil)),
        ("vote-response", .frame(.voteResponse(VoteResponse(term: 5, granted: true, handlingMicros: 1800)), compression: nil)),
        ("vote-response-report", .frame(.voteResponse(VoteResponse(term: 5, granted: true, handlingMicros: 1800, report: report)), compression: nil)),
        ("prevote-refused-report", .frame(.voteResponse(VoteResponse(term: 7, granted: false, preVote: true, handlingMicros: 30, report: report)), compression: nil)),
        ("heartbeat", .frame(.appendEntries(AppendEntries(term: 5, prevLogIndex: 1_000_000, prevLogTerm: 5, leaderCommit: 1_000_000)), compression: nil)),
        ("heartbeat-retiring", .frame(.appendEntries(AppendEntries(term: 5, prevLogIndex: 1_000_000, prevLogTerm: 5, leaderCommit: 1_000_000, retiring: true)), compression: nil)),
        ("append-one-entry", .frame(.appendEntries(AppendEntries(term: 5, prevLogIndex: 999_999, prevLogTerm: 5, leaderCommit: 999_999, entries: [entry100])), compression: nil)),
        ("append-compressed", .frame(.appendEntries(AppendEntries(
            term: 5, prevLogIndex: 40, prevLogTerm: 4, leaderCommit: 38,
            entries: [LogEntry(term: 4, kind: .noop), entry100, entry100, LogEntry(term: 5, kind: .outcome, payload: Array(repeating: 1, count: 60))])),
            compression: BatchCompression())),
        ("append-response", .frame(.appendResponse(AppendResponse(term: 5, success: true, index: 1_000_000, handlingMicros: 1800)), compression: nil)),
        ("append-response-hint-report", .frame(.appendResponse(AppendResponse(
            term: 5, success: false, index: 1_000_000, hint: ConflictHint(index: 999_000, term: 3), handlingMicros: 14, report: report)), compression: nil)),
        ("install-snapshot", .frame(.installSnapshot(InstallSnapshot(term: 5, lastIncludedIndex: 5000, lastIncludedTerm: 4, offset: 65_536, done: true, data: Array(0..<32))), compression: nil)),
        ("snapshot-response", .frame(.snapshotResponse(SnapshotResponse(term: 5, lastIncludedIndex: 5000, nextOffset: 65_568, installed: true, handlingMicros: 5200)), compression: nil)),
        ("timeout-now", .frame(.timeoutNow(TimeoutNow(term: 5)), compression: nil)),
        ("deploy-request", .frame(.deployRequest(request), compression: nil)),
        ("deploy-result-placed", .frame(.deployResult(DeployResult(requestID: 77, outcome: .placed(DeployPlacement(node: 4, logIndex: 1_000_000, term: 5, timings: timings)))), compression: nil)),
        ("deploy-result-failed", .frame(.deployResult(DeployResult(requestID: 78, outcome: .failed(.noNodeFits, "no node has 4096 MiB free"))), compression: nil)),
        ("deploy-transfer", .frame(.deployTransfer(DeployTransfer(logIndex: 1_000_000, term: 5, request: request)), compression: nil)),
        ("deploy-ack-running", .frame(.deployAck(DeployAck(requestID: 77, logIndex: 1_000_000, status: .running, handlingMicros: 950_000)), compression: nil)),
        ("deploy-ack-failed", .frame(.deployAck(DeployAck(requestID: 77, logIndex: 1_000_000, status: .failed(reason: "image not found"), handlingMicros: 80_000)), compression: nil)),
        ("fragment", .frame(.fragment(Fragment(messageID: 9, index: 1, count: 3, data: Array(repeating: 0x5A, count: 24))), compression: nil)),
        ("sequence", .frame(.sequence(MessageSequence(number: 300)), compression: nil)),
        ("member-change-add", .frame(.memberChange(.add(memberRecord, voter: false)), compression: nil)),
        ("member-change-remove", .frame(.memberChange(.remove(7)), compression: nil)),
        ("payload-sequenced-vote", .payload([.sequence(MessageSequence(number: 4)), .requestVote(RequestVote(term: 5, lastLogIndex: 1_000_000, lastLogTerm: 4))])),
        ("payload-ack-and-heartbeat", .payload([
            .ack(AckFrame(ranges: [AckRange(7, 9)], delayMicros: 300)!),
            .appendEntries(AppendEntries(term: 5, prevLogIndex: 1_000_000, prevLogTerm: 5, leaderCommit: 1_000_000)),
        ])),
        ("datagram-plain", .datagram(
            DatagramHeader(kind: .plain, ackEliciting: true, clusterID: 0xED6E, receiverIndex: 3, packetNumber: packet(1_000_001)),
            [.requestVote(RequestVote(term: 5, lastLogIndex: 1_000_000, lastLogTerm: 4))])),
        // Handshake layouts only (the bytes are not a real handshake; Transport's tests run those).
        ("handshake-initiation", .initiation(HandshakeInitiation(
            clusterID: 0xED6E, sender: 3, senderIndex: 0xA1B2_C3D4,
            noise: (0..<105).map { UInt8($0) }, mac1: [UInt8](repeating: 0xAA, count: 16), mac2: [UInt8](repeating: 0xCC, count: 16)))),
        ("handshake-response", .response(HandshakeResponse(
            clusterID: 0xED6E, senderIndex: 0x0102_0304, receiverIndex: 0xA1B2_C3D4,
            noise: (0..<48).map { UInt8(200 - $0) }, mac1: [UInt8](repeating: 0xBB, count: 16)))),
        ("cookie-reply", .cookieReply(CookieReply(
            clusterID: 0xED6E, receiverIndex: 0xA1B2_C3D4, nonce: (0..<12).map { UInt8(0x10 + $0) },
            sealedCookie: (0..<32).map { UInt8(0xE0 - $0) }))),
        ("decision-entry", .decision(DecisionEntry(
            request: request, chosen: 4, leader: 1, term: 5, timestampMicros: 1_795_000_000_000_000,
            loads: [NodeLoad(node: 1, report: report), NodeLoad(node: 4, report: WorkloadReport(
                cpuBusyPermille: 120, memoryUsedMiB: 400, loadPermille: 150, freeCPUMillicores: 3500, freeMemoryMiB: 3600, sampleAgeMillis: 40))],
            pending: [PendingLoad(node: 4, cpuMillicores: 500, memoryMiB: 256, services: 2)]))),
        ("member-record", .memberRecord(memberRecord)),
        ("outcome-entry", .outcome(OutcomeEntry(requestID: 77, decisionIndex: 1_000_000, node: 4, status: .running, timestampMicros: 1_795_000_001_000_000))),
    ]
}
