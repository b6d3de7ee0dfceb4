import NetworkModel
@testable import Wire

/// Random valid messages of every kind, with values spread over every varint width.
struct RandomMessages {
    var rng: SeededRandom
    let limits = WireLimits.default

    init(seed: UInt64) {
        rng = SeededRandom(seed: seed)
    }

    /// Small values most of the time, since those are the common case, but every width too.
    mutating func number(max: UInt64 = .max) -> UInt64 {
        let width = UInt64.random(in: 0...8, using: &rng)
        let bound: UInt64 = width >= 8 ? .max : (1 << (width * 8)) - 1
        return UInt64.random(in: 0...Swift.min(bound, max), using: &rng)
    }

    mutating func term() -> UInt64 { number(max: limits.maxTermOrIndex) }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func count(_ max: Int) -> Int { Int.random(in: 0...max, using: &rng) }

    mutating func bytes(_ max: Int) -> [UInt8] {
        (0..<count(max)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    mutating func text(_ maxScalars: Int) -> String {
        let pool: [Character] = Array("abcXYZ019-_./:= ") + ["é", "ß", "中", "🙂"]
        return String((0..<count(maxScalars)).map { _ in pool.randomElement(using: &rng) ?? "a" })
    }

    mutating func report() -> WorkloadReport {
        WorkloadReport(
            cpuBusyPermille: UInt16.random(in: 0...1000, using: &rng),
            memoryUsedMiB: UInt32(truncatingIfNeeded: number(max: UInt64(UInt32.max))),
            loadPermille: UInt16.random(in: 0...1000, using: &rng),
            freeCPUMillicores: UInt32(truncatingIfNeeded: number(max: UInt64(UInt32.max))),
            freeMemoryMiB: UInt32(truncatingIfNeeded: number(max: UInt64(UInt32.max))),
            sampleAgeMillis: UInt32(truncatingIfNeeded: number(max: UInt64(UInt32.max))))
    }

    mutating func maybeReport() -> WorkloadReport? { bool() ? report() : nil }

    mutating func entries(term: UInt64) -> [LogEntry] {
        (0..<count(6)).map { _ in
            let kind = EntryKind.allCases.randomElement(using: &rng) ?? .noop
            let entryTerm = bool() ? term : self.term()
            // Repetitive payloads, so that compression has something to win.
            let payload = bool() ? bytes(200) : [UInt8](repeating: UInt8(count(255)), count: count(400))
            return LogEntry(term: entryTerm, kind: kind, payload: payload)
        }
    }

    mutating func deployRequest() -> DeployRequest {
        DeployRequest(
            requestID: number(),
            service: text(20),
            image: text(40),
            command: (0..<count(4)).map { _ in text(12) },
            environment: (0..<count(4)).map { _ in KeyValue(text(8), text(16)) },
            ports: (0..<count(3)).map { _ in
                PortMapping(
                    containerPort: UInt16.random(in: 0...UInt16.max, using: &rng),
                    hostPort: UInt16.random(in: 0...UInt16.max, using: &rng),
                    proto: bool() ? .tcp : .udp)
            },
            cpuMillicores: UInt32(truncatingIfNeeded: number(max: UInt64(UInt32.max))),
            memoryMiB: UInt32(truncatingIfNeeded: number(max: UInt64(UInt32.max))),
            labels: (0..<count(3)).map { _ in KeyValue(text(8), text(8)) })
    }

    mutating func status() -> DeployStatus {
        switch count(2) {
        case 0: .accepted
        case 1: .running
        default: .failed(reason: text(30))
        }
    }

    mutating func timings() -> PhaseTimings {
        var t = PhaseTimings()
        t.requestElab = number(); t.electionNetworkMean = number(); t.voteElectionMean = number()
        t.choosingPhase = number(); t.voteConsNetMean = number(); t.voteConsElabMean = number()
        t.writeLog = number(); t.transfertReq = number()
        return t
    }

    mutating func ackFrame() -> AckFrame {
        var ranges: [AckRange] = []
        var highest = number(max: PacketNumber.max.value)
        for _ in 0...count(5) {
            let lowest = highest - UInt64.random(in: 0...Swift.min(highest, 50), using: &rng)
            ranges.append(AckRange(lowest, highest))
            guard lowest >= 2 + 1 else { break }
            highest = lowest - 2 - UInt64.random(in: 0...Swift.min(lowest - 3, 40), using: &rng)
        }
        guard let frame = AckFrame(ranges: ranges, delayMicros: number()) else {
            fatalError("generator made invalid ack ranges \(ranges)")
        }
        return frame
    }

    mutating func message(_ kind: FrameKind) -> Message {
        switch kind {
        case .ack:
            return .ack(ackFrame())
        case .requestVote:
            return .requestVote(RequestVote(term: term(), lastLogIndex: term(), lastLogTerm: term(), preVote: bool(), leadershipTransfer: bool()))
        case .voteResponse:
            return .voteResponse(VoteResponse(term: term(), granted: bool(), preVote: bool(), handlingMicros: number(), report: maybeReport()))
        case .appendEntries:
            let t = term()
            return .appendEntries(AppendEntries(term: t, prevLogIndex: term(), prevLogTerm: term(), leaderCommit: term(), entries: entries(term: t), retiring: bool()))
        case .appendResponse:
            let success = bool()
            let hint = !success && bool() ? ConflictHint(index: term(), term: term()) : nil
            return .appendResponse(AppendResponse(term: term(), success: success, index: term(), hint: hint, handlingMicros: number(), report: maybeReport()))
        case .installSnapshot:
            return .installSnapshot(InstallSnapshot(
                term: term(), lastIncludedIndex: term(), lastIncludedTerm: term(),
                offset: number(max: InstallSnapshot.maxOffset), done: bool(), data: bytes(300)))
        case .snapshotResponse:
            return .snapshotResponse(SnapshotResponse(
                term: term(), lastIncludedIndex: term(), nextOffset: number(max: InstallSnapshot.maxOffset),
                installed: bool(), handlingMicros: number()))
        case .timeoutNow:
            return .timeoutNow(TimeoutNow(term: term()))
        case .deployRequest:
            return .deployRequest(deployRequest())
        case .deployResult:
            if bool() {
                let code = DeployErrorCode.allCases.randomElement(using: &rng) ?? .timeout
                return .deployResult(DeployResult(requestID: number(), outcome: .failed(code, text(40))))
            }
            let placement = DeployPlacement(
                node: UInt16.random(in: 0...UInt16.max, using: &rng), logIndex: term(), term: term(), timings: timings())
            return .deployResult(DeployResult(requestID: number(), outcome: .placed(placement)))
        case .deployTransfer:
            return .deployTransfer(DeployTransfer(logIndex: term(), term: term(), request: deployRequest()))
        case .deployAck:
            return .deployAck(DeployAck(requestID: number(), logIndex: term(), status: status(), handlingMicros: number()))
        case .sequence:
            return .sequence(MessageSequence(number: number()))
        case .memberChange:
            switch count(2) {
            case 0:
                let record = MemberRecord(
                    node: NodeID(truncatingIfNeeded: number(max: UInt64(NodeID.max))), address: text(16),
                    publicKey: bool() ? (0..<MemberRecord.publicKeyBytes).map { _ in UInt8.random(in: 0...255, using: &rng) } : nil)
                return .memberChange(.add(record, voter: bool()))
            case 1: return .memberChange(.promote(NodeID(truncatingIfNeeded: number(max: UInt64(NodeID.max)))))
            default: return .memberChange(.remove(NodeID(truncatingIfNeeded: number(max: UInt64(NodeID.max)))))
            }
        case .fragment:
            let total = 1 + count(limits.maxFragmentsPerMessage - 1)
            return .fragment(Fragment(messageID: number(), index: count(total - 1), count: total, data: bytes(limits.maxFragmentBytes)))
        }
    }

    mutating func anyMessage() -> Message {
        message(FrameKind.allCases.randomElement(using: &rng) ?? .ack)
    }

    mutating func decision() -> DecisionEntry {
        DecisionEntry(
            request: deployRequest(), chosen: UInt16.random(in: 0...UInt16.max, using: &rng),
            leader: UInt16.random(in: 0...UInt16.max, using: &rng), term: term(), timestampMicros: number(),
            loads: (0..<count(8)).map { _ in NodeLoad(node: UInt16(count(200)), report: report()) },
            pending: Set((0..<count(4)).map { _ in UInt16(count(200)) }).sorted().map { node in
                PendingLoad(node: node, cpuMillicores: UInt32(truncatingIfNeeded: number()), memoryMiB: UInt32(truncatingIfNeeded: number()), services: UInt32(count(9)))
            })
    }

    mutating func outcome() -> OutcomeEntry {
        OutcomeEntry(
            requestID: number(), decisionIndex: term(), node: UInt16.random(in: 0...UInt16.max, using: &rng),
            status: status(), timestampMicros: number())
    }
}
