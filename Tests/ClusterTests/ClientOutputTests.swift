import ClientAPI
import Testing

@testable import EdgeRaftClient

@Suite struct ClientOutputTests {
    @Test func durationsReadInMicrosecondsBelowAMillisecondElseInMilliseconds() {
        #expect(DurationText.micros(0) == "0 µs")
        #expect(DurationText.micros(999) == "999 µs")
        #expect(DurationText.micros(1_000) == "1.00 ms")
        #expect(DurationText.micros(3_456) == "3.45 ms")
        #expect(DurationText.micros(12_050) == "12.05 ms")
        #expect(DurationText.micros(UInt64.max).hasSuffix(" ms"))
    }

    @Test func aDeployShowsTheNodeAndEveryPhaseInThePapersOrder() {
        let phases = PhaseTable(RequestElab: 120, ElectionNetworkMean: 0, VoteElectionMean: 0, ChoosingPhase: 8, VoteConsNetMean: 410, VoteConsElabMean: 1_900, WriteLog: 2_300, TransfertReq: 15_000)
        let text = ClientOutput.deployed(ServiceView(name: "web", requestId: "7", image: "nginx", node: 3, decisionIndex: 12, status: "running", phases: phases))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "web → node 3 (running; decision at log index 12, request 7)")
        let names = lines.dropFirst(2).map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(names == phases.rows.map(\.name))
        #expect(lines.contains { $0.hasPrefix("  RequestElab") && $0.hasSuffix("120 µs") })
        #expect(lines.contains { $0.hasPrefix("  TransfertReq") && $0.hasSuffix("15.00 ms") })
    }

    @Test func statusShowsLeaderTermCommitLoadsAndLinks() {
        let view = ClusterView(
            node: 1, clusterId: 7, mode: "stable", role: "follower", leader: 2, term: 5, commitIndex: 40, appliedIndex: 39,
            members: [
                .init(id: 2, address: "127.0.0.1:4002", voter: true,
                      load: .init(cpuBusyPermille: 250, memoryUsedMiB: 300, loadPermille: 250, freeCPUMillicores: 3000, freeMemoryMiB: 700, ageMillis: 120),
                      link: .init(smoothedRTTMicros: 850, retransmissions: 3, drops: 1, sessionEstablished: true)),
                .init(id: 1, address: "127.0.0.1:4001", voter: true, load: nil, link: nil),
                .init(id: 3, address: "127.0.0.1:4003", voter: false, load: nil, link: .init(smoothedRTTMicros: nil, retransmissions: 0, drops: 9, sessionEstablished: false)),
            ])
        let text = ClientOutput.status(view)
        #expect(text.contains("leader: node 2, term 5, commit index 40, applied 39"))
        let rows = text.split(separator: "\n").dropFirst(3).map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.map { $0[0] } == ["1", "2", "3"])
        #expect(rows[1].contains("850 µs") == false)  // "850" and "µs" are two words
        #expect(rows[1].contains("leader") && rows[1].contains("850") && rows[1].contains("3") && rows[1].contains("up"))
        #expect(rows[2].contains("learner") && rows[2].contains("9") && rows[2].last == "down")
    }

    @Test func tablesPadColumnsToTheWidestCell() {
        var table = TextTable(header: ["A", "NUM"], rightAligned: [1])
        table.append(["long name", "5"])
        #expect(table.rendered == "A" + String(repeating: " ", count: 10) + "NUM\nlong name" + String(repeating: " ", count: 4) + "5")
    }
}
