import ClientAPI
import Foundation
import Synchronization
import Testing

@testable import EdgeRaftClient

/// `cluster up` and `down` end to end on stand-in nodes (`FakeNode`): the readiness wait,
/// the record, the CLI reading it, and stopping.
@Suite struct LocalClusterUpTests {
    @Test func upWaitsUntilEveryNodeIsReadyRecordsThemAndDownStopsThemAll() async throws {
        let harness = try ProcessHarness()
        let fake = try FakeNode.install(harness)
        let directory = harness.path("cluster")
        let lines = Mutex<[String]>([])
        let record = try await APISession.with { session in
            try await LocalCluster.up(
                .init(nodes: 4, gateways: 2, mode: .stable, engine: .dryRun, directory: directory), executable: fake, session: session,
                timeoutSeconds: 20) { line in lines.withLock { $0.append(line) } }
        }
        harness.adopt(record)
        #expect(lines.withLock { $0.last } == "starting 4 nodes: 4/4 ready")
        #expect(record.nodes.map(\.id) == [1, 2, 3, 4])
        #expect(record.gateways.count == 2 && record.nodes[0].gateway == record.gateways[0] && record.nodes[3].gateway == nil)
        #expect(try ClusterRecord.read(directory: directory) == record)
        for node in record.nodes {
            #expect(ProcessHarness.isRunning(node.pid))
            #expect(FakeNode.pid(directory, node: Int(node.id)) == node.pid)
        }

        // The client commands find the gateway and the token through --dir.
        let status = try harness.edgeraft(["status", "--dir", directory])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("leader: node 1, term 2, commit index 5"))

        // The CLI's own `cluster down`: not the nodes' parent, it goes by /proc alone.
        let down = try harness.edgeraft(["cluster", "down", "--dir", directory])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stdout.split(separator: "\n").map(String.init) == record.nodes.map { "stopped node \($0.id) (pid \($0.pid))" })
        for node in record.nodes { #expect(!ProcessHarness.isRunning(node.pid)) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/cluster.json"))
        // A second `down` has nothing to stop.
        let again = try harness.edgeraft(["cluster", "down", "--dir", directory])
        #expect(again.status == 1 && again.stderr.contains("no local cluster"))
    }

    @Test func aClusterWithoutALeaderInTimeIsStoppedAndTheLaggardsLogsShown() async throws {
        let harness = try ProcessHarness()
        let fake = try FakeNode.install(harness)
        let directory = harness.path("cluster")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/no-leader", contents: nil)
        do {
            let record = try await APISession.with { session in
                try await LocalCluster.up(.init(nodes: 3, gateways: 1, mode: .stable, engine: .dryRun, directory: directory), executable: fake, session: session, timeoutSeconds: 2)
            }
            harness.adopt(record)
            Issue.record("the cluster came up without a leader")
        } catch let error as LocalClusterError {
            guard case .timedOut(2, 0, 3, let tails) = error else { Issue.record("\(error)"); return }
            #expect(tails.map(\.node) == [1, 2, 3])
            #expect(tails.allSatisfy { $0.lines.count == 1 && $0.lines[0].hasPrefix("fake node") })
        }
        for id in 1...3 {
            if let pid = FakeNode.pid(directory, node: id) { #expect(!ProcessHarness.isRunning(pid), "node \(id) still runs") }
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/cluster.json"))
    }

    @Test func upRefusesADirectoryWhereItsClusterStillRuns() async throws {
        let harness = try ProcessHarness()
        let fake = try FakeNode.install(harness)
        let directory = harness.path("cluster")
        let options = LocalClusterPlan.Options(nodes: 1, gateways: 1, mode: .onDemand(idleMillis: 0), engine: .dryRun, directory: directory)
        let record = try await APISession.with { session in try await LocalCluster.up(options, executable: fake, session: session, timeoutSeconds: 20) }
        harness.adopt(record)
        await #expect(throws: LocalClusterError.alreadyRunning(directory: directory, pids: [record.nodes[0].pid])) {
            _ = try await APISession.with { session in try await LocalCluster.up(options, executable: fake, reset: true, session: session) }
        }
        #expect(ProcessHarness.isRunning(record.nodes[0].pid))
        _ = try LocalCluster.down(directory: directory)
    }
}
