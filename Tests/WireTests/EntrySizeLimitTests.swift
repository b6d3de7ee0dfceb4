import Testing
@testable import Wire

/// One entry-size limit: every request that decodes fits in the log entry it becomes, so
/// no follower ever refuses an entry its leader accepted.
@Suite struct EntrySizeLimitTests {
    let limits = WireLimits.default

    /// A request whose body encodes to exactly `bodyBytes`: full-length arguments, then an
    /// image of the length that makes up the rest.
    func request(bodyBytes target: Int) -> DeployRequest {
        let argument = String(repeating: "a", count: limits.maxTextBytes)
        for arguments in 0...limits.maxListItems {
            var request = DeployRequest(requestID: 1, service: "svc", image: "", command: Array(repeating: argument, count: arguments))
            let base = bodySize(request)
            for length in 0...limits.maxTextBytes where base - 1 + varintSize(UInt64(length)) + length == target {
                request.image = String(repeating: "i", count: length)
                return request
            }
        }
        Issue.record("no request of \(target) bytes")
        return DeployRequest(requestID: 1, service: "", image: "")
    }

    func bodySize(_ request: DeployRequest) -> Int {
        var out: [UInt8] = []
        request.encodeBody(into: &out)
        return out.count
    }

    /// The largest decision around `request`: every field at its longest encoding.
    func largestDecision(_ request: DeployRequest) -> DecisionEntry {
        let report = WorkloadReport(
            cpuBusyPermille: 1000, memoryUsedMiB: .max, loadPermille: 1000,
            freeCPUMillicores: .max, freeMemoryMiB: .max, sampleAgeMillis: .max)
        let loads = (0..<limits.maxNodes).map { NodeLoad(node: NodeID.max - NodeID($0), report: report) }
        let pending = (0..<limits.maxNodes).map { PendingLoad(node: NodeID.max - NodeID(limits.maxNodes - 1 - $0), cpuMillicores: .max, memoryMiB: .max, services: .max) }
        return DecisionEntry(request: request, chosen: .max, leader: .max, term: limits.maxTermOrIndex, timestampMicros: .max, loads: loads, pending: pending)
    }

    @Test func aRequestAtTheLimitDecodesAndItsLargestDecisionFillsAnEntryExactly() throws {
        let limit = limits.maxDeployRequestBytes
        #expect(limit == limits.maxEntryBytes - 11547, "3 + 3 + 7 + 10 + 2 + 256 × 27 + 2 + 256 × 18 bytes around the request")
        for size in [limit - 1, limit] {
            let request = request(bodyBytes: size)
            #expect(bodySize(request) == size)
            let bytes = Payload.encode([.deployRequest(request)])
            #expect(try Payload.decodeSingle(bytes) == .deployRequest(request))
            let transfer = Payload.encode([.deployTransfer(DeployTransfer(logIndex: 9, term: 2, request: request))])
            #expect(try Payload.decodeSingle(transfer) == .deployTransfer(DeployTransfer(logIndex: 9, term: 2, request: request)))
            let decision = largestDecision(request)
            let entry = decision.encoded()
            #expect(entry.count == limits.maxEntryBytes - (limit - size))
            #expect(try DecisionEntry.decode(entry) == decision)
            // And the entry travels in an AppendEntries as it is.
            let append = AppendEntries(term: 3, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, entries: [LogEntry(term: 3, kind: .decision, payload: entry)])
            #expect(try Payload.decodeSingle(Payload.encode([.appendEntries(append)])) == .appendEntries(append))
        }
    }

    @Test func aRequestOneByteOverTheLimitIsRefusedWhereverItArrives() {
        let limit = limits.maxDeployRequestBytes
        let request = request(bodyBytes: limit + 1)
        #expect(bodySize(request) == limit + 1)
        let expected = WireError(.lengthOverLimit(length: UInt64(limit + 1), limit: limit), at: 1, field: "deploy request")
        #expect(throws: expected) { try Payload.decodeSingle(Payload.encode([.deployRequest(request)])) }
        // In a transfer the body starts after the type byte, the index (1) and the term (1).
        let transfer = Payload.encode([.deployTransfer(DeployTransfer(logIndex: 9, term: 2, request: request))])
        #expect(throws: WireError(.lengthOverLimit(length: UInt64(limit + 1), limit: limit), at: 3, field: "deploy request")) {
            try Payload.decodeSingle(transfer)
        }
        // Its decision would be over the entry limit, and is refused as an entry payload too.
        let entry = largestDecision(request).encoded()
        #expect(entry.count == limits.maxEntryBytes + 1)
        #expect(throws: WireError(.lengthOverLimit(length: UInt64(entry.count), limit: limits.maxEntryBytes), at: 0, field: "decision entry")) {
            try DecisionEntry.decode(entry)
        }
    }

    @Test func anOutcomeEntryOverTheLimitIsRefusedBeforeItIsRead() {
        let bytes = [UInt8](repeating: 0, count: limits.maxEntryBytes + 1)
        #expect(throws: WireError(.lengthOverLimit(length: UInt64(bytes.count), limit: limits.maxEntryBytes), at: 0, field: "outcome entry")) {
            try OutcomeEntry.decode(bytes)
        }
    }
}
