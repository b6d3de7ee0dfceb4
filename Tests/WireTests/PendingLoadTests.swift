import Testing
@testable import Wire

/// The decision entry's pending loads (docs/wire-format.md §6.1): strictly ascending nodes,
/// 32-bit figures, at most `maxNodes` of them.
@Suite struct PendingLoadTests {
    func entry(_ pending: [PendingLoad]) -> DecisionEntry {
        DecisionEntry(request: DeployRequest(requestID: 1, service: "s", image: "i"), chosen: 2, leader: 1, term: 1, timestampMicros: 0, loads: [], pending: pending)
    }

    @Test func ascendingPendingLoadsRoundTrip() throws {
        let decision = entry([PendingLoad(node: 2, cpuMillicores: .max, memoryMiB: 0, services: 1), PendingLoad(node: 7, cpuMillicores: 1, memoryMiB: .max, services: .max)])
        #expect(try DecisionEntry.decode(decision.encoded()) == decision)
    }

    @Test(arguments: [[NodeID(3), 3], [5, 4]])
    func aNodeNotAboveThePreviousIsRefused(nodes: [NodeID]) {
        let bytes = entry(nodes.map { PendingLoad(node: $0, cpuMillicores: 0, memoryMiB: 0, services: 1) }).encoded()
        // The second node sits 4 bytes before the end: node, cpu, memory, services, one byte each.
        let at = bytes.count - 4
        #expect(throws: WireError(.valueOutOfRange(UInt64(nodes[1])), at: at, field: "pending node")) { try DecisionEntry.decode(bytes) }
    }

    @Test func aPendingCountOverMaxNodesIsRefusedBeforeReading() {
        var bytes = entry([]).encoded()
        let at = bytes.count - 1
        bytes.removeLast()
        bytes.appendVarint(UInt64(WireLimits.default.maxNodes + 1))
        #expect(throws: WireError(.lengthOverLimit(length: UInt64(WireLimits.default.maxNodes + 1), limit: WireLimits.default.maxNodes), at: at, field: "pending count")) {
            try DecisionEntry.decode(bytes)
        }
    }

    @Test func aFigureOver32BitsIsRefused() {
        var bytes = entry([]).encoded()
        bytes.removeLast()
        bytes.appendVarint(1)
        bytes.appendVarint(4)
        let at = bytes.count
        bytes.appendVarint(UInt64(UInt32.max) + 1)
        bytes.appendVarint(0)
        bytes.appendVarint(1)
        #expect(throws: WireError(.valueOutOfRange(UInt64(UInt32.max) + 1), at: at, field: "pending cpu")) { try DecisionEntry.decode(bytes) }
    }
}
