import Foundation
import Node
import Raft
import Testing
import Wire

@Suite struct DecisionLogReaderTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "edgeraft-log-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func contents(of directory: String) -> [String: Data] {
        var all: [String: Data] = [:]
        for name in (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? [] {
            all[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return all
    }

    @Test func printsCommittedDecisionsAndOutcomesAndChangesNothing() throws {
        let data = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (storage, _) = try NodeStorage.open(directory: data + "/raft")
        let report = WorkloadReport(cpuBusyPermille: 100, memoryUsedMiB: 100, loadPermille: 100, freeCPUMillicores: 1_000, freeMemoryMiB: 1_000, sampleAgeMillis: 10)
        let request = DeployRequest(requestID: 42, service: "web", image: "demo", command: ["sleep", "1"])
        let busier = WorkloadReport(cpuBusyPermille: 500, memoryUsedMiB: 100, loadPermille: 500, freeCPUMillicores: 1_000, freeMemoryMiB: 1_000, sampleAgeMillis: 10)
        let decision = DecisionEntry(request: request, chosen: 2, leader: 1, term: 1, timestampMicros: 5, loads: [NodeLoad(node: 1, report: busier), NodeLoad(node: 2, report: report)], pending: [])
        let lie = DecisionEntry(request: DeployRequest(requestID: 43, service: "db", image: "demo"), chosen: 2, leader: 1, term: 1, timestampMicros: 6,
                                loads: [NodeLoad(node: 1, report: report), NodeLoad(node: 2, report: WorkloadReport(cpuBusyPermille: 900, memoryUsedMiB: 100, loadPermille: 900, freeCPUMillicores: 1_000, freeMemoryMiB: 1_000, sampleAgeMillis: 10))], pending: [])
        let outcome = OutcomeEntry(requestID: 42, decisionIndex: 1, node: 2, status: .running, timestampMicros: 7)
        let entries = [
            Entry(index: 1, term: 1, kind: .decision, payload: decision.encoded()),
            Entry(index: 2, term: 1, kind: .outcome, payload: outcome.encoded()),
            Entry(index: 3, term: 1, kind: .decision, payload: lie.encoded()),
            Entry(index: 4, term: 1, kind: .decision, payload: decision.encoded()),
        ]
        // Index 4 is not committed: it is not printed.
        try storage.wal.save(hardState: HardState(term: 1, vote: 1, commit: 3), entries: entries)
        let before = contents(of: data)
        let lines = try DecisionLogReader.read(dataDirectory: data)
        #expect(contents(of: data) == before)
        #expect(lines.map(\.index) == [1, 2, 3])
        #expect(lines[0].chosen == 2 && lines[0].verdict == "accepted" && lines[0].request?.service == "web")
        #expect(lines[1].status == "running" && lines[1].requestId == "42")
        #expect(lines[2].verdict?.hasPrefix("refused") == true)
        let json = DecisionLogReader.json(lines[0])
        #expect(json.hasPrefix("{\"chosen\":2,"))
        #expect(!json.contains("\n"))
    }

    @Test func aDirectoryWithoutALogIsAClearError() {
        let data = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(throws: DecisionLogReader.ReadError.self) { try DecisionLogReader.read(dataDirectory: data) }
        do {
            _ = try DecisionLogReader.read(dataDirectory: data)
        } catch {
            #expect(error.description.contains("is it a node's data-dir"))
        }
    }
}
