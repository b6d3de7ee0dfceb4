import ClientAPI
import Foundation
import Testing

@testable import EdgeRaftClient

/// The harness and the local-cluster shell on stand-in processes: these run today, with or
/// without a daemon.
@Suite struct HarnessTests {
    @Test func theHarnessKillsEveryChildAndItsChildrenInTeardown() throws {
        var pids: [Int32] = []
        do {
            let harness = try ProcessHarness()
            pids.append(try harness.spawn(["/bin/sleep", "60"]).pid)
            let pidFile = harness.path("grandchild.pid")
            pids.append(try harness.spawn(["/bin/sh", "-c", "sleep 60 & echo $! > \(pidFile); wait"]).pid)
            for _ in 0..<200 where (try? String(contentsOfFile: pidFile, encoding: .utf8)) == nil { usleep(10_000) }
            let grandchild = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
            pids.append(grandchild)
            #expect(pids.allSatisfy(ProcessHarness.isRunning))
        }
        for _ in 0..<200 where pids.contains(where: ProcessHarness.isRunning) { usleep(10_000) }
        #expect(!pids.contains(where: ProcessHarness.isRunning))
    }

    @Test func aChildInheritsNoFileDescriptorButItsStandardOnes() throws {
        let harness = try ProcessHarness()
        // Open without O_CLOEXEC, as a careless library might.
        let fd = open(harness.path("held-open"), O_WRONLY | O_CREAT, 0o600)
        defer { close(fd) }
        #expect(fd > 2)
        let listing = harness.path("fds")
        let child = try harness.spawn(["/bin/sh", "-c", "ls /proc/$$/fd > \(listing)"])
        while child.exitStatusIfEnded() == nil { usleep(5_000) }
        let fds = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(!fds.contains(fd), "\(fds)")
        #expect(fds.filter { $0 > 2 }.count <= 1)  // the redirection's own
    }

    /// A stand-in for `edgeraft` at `bin/edgeraft`: records its pid beside its config, then
    /// runs `body` (a shell fragment; `$3` is the config path).
    static func fakeEdgeraft(_ harness: ProcessHarness, folder: String = "bin", body: String) throws -> String {
        let path = harness.path(folder + "/edgeraft")
        try FileManager.default.createDirectory(atPath: harness.path(folder), withIntermediateDirectories: true)
        try "#!/bin/sh\necho $$ > \"$(dirname \"$3\")/pid\"\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test func clusterUpNamesTheNodeThatExitedShowsItsLogAndStopsTheRest() async throws {
        let harness = try ProcessHarness()
        let fake = try Self.fakeEdgeraft(harness, body: """
            case "$3" in *node-2/*) echo "starting node 2"; echo "error: port 127.0.0.1:4002 is in use"; exit 3;; esac
            exec sleep 60
            """)
        let directory = harness.path("cluster")
        let options = LocalClusterPlan.Options(nodes: 3, gateways: 1, engine: .dryRun, directory: directory)
        do {
            let record = try await APISession.with { session in try await LocalCluster.up(options, executable: fake, session: session, timeoutSeconds: 20) }
            harness.adopt(record)
            Issue.record("the cluster came up")
        } catch let error as LocalClusterError {
            guard case .nodeExited(let tail, let status) = error else { Issue.record("\(error)"); return }
            #expect(tail.node == 2 && status == "exited with status 3")
            #expect(tail.lines == ["starting node 2", "error: port 127.0.0.1:4002 is in use"])
            #expect(error.description.contains("node 2 exited with status 3") && error.description.contains("is in use"))
        }
        for id in [1, 3] {
            guard let text = try? String(contentsOfFile: "\(directory)/node-\(id)/pid", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
            #expect(!ProcessHarness.isRunning(pid), "node \(id) still runs")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/cluster.json"))
        // What it wrote for the nodes stays, for a look.
        #expect(FileManager.default.fileExists(atPath: directory + "/node-2/config.yaml"))
        let token = try String(contentsOfFile: directory + "/token", encoding: .utf8)
        #expect(token.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func clusterUpRefusesTheLeftoversOfAnEarlierClusterUnlessReset() async throws {
        let harness = try ProcessHarness()
        let fake = try Self.fakeEdgeraft(harness, body: "exit 1")
        let directory = harness.path("cluster")
        try FileManager.default.createDirectory(atPath: directory + "/node-1", withIntermediateDirectories: true)
        let options = LocalClusterPlan.Options(nodes: 1, gateways: 1, engine: .dryRun, directory: directory)
        await #expect(throws: LocalClusterError.leftovers(directory: directory)) {
            _ = try await APISession.with { session in try await LocalCluster.up(options, executable: fake, session: session) }
        }
        // With --reset it goes on (and fails later, on the stand-in's exit).
        await #expect {
            _ = try await APISession.with { session in try await LocalCluster.up(options, executable: fake, reset: true, session: session) }
        } throws: { error in
            if case .nodeExited? = error as? LocalClusterError { return true }
            return false
        }
    }

    @Test func clusterDownStopsRecordedNodesAndLeavesAStrangerWithAReusedPidAlone() throws {
        let harness = try ProcessHarness()
        let directory = harness.path("cluster")
        for id in 1...4 { try FileManager.default.createDirectory(atPath: "\(directory)/node-\(id)", withIntermediateDirectories: true) }
        func config(_ id: Int) -> String { "\(directory)/node-\(id)/config.yaml" }
        let polite = try Self.fakeEdgeraft(harness, body: "sleep 60 & wait")
        let stubborn = try Self.fakeEdgeraft(harness, folder: "bin2", body: "trap '' TERM; sleep 60 & wait; sleep 60")
        let node1 = try harness.spawn(["/bin/sh", polite, "node", "--config", config(1)])
        let stranger = try harness.spawn(["/bin/sleep", "60"])
        let ended = try harness.spawn(["/bin/true"])
        while !NodeProcessCheck.isGone(ended.pid) { usleep(5_000) }
        let node4 = try harness.spawn(["/bin/sh", stubborn, "node", "--config", config(4)])
        // Let both shells start their `sleep` (a shell signalled before `wait` would still die).
        for _ in 0..<300 where !(FileManager.default.fileExists(atPath: "\(directory)/node-1/pid") && FileManager.default.fileExists(atPath: "\(directory)/node-4/pid")) { usleep(10_000) }
        usleep(100_000)

        let nodes = [(1, node1.pid), (2, stranger.pid), (3, ended.pid), (4, node4.pid)].map { id, pid in
            ClusterRecord.Node(id: UInt16(id), pid: pid, listen: "127.0.0.1:1", gateway: nil, config: config(id), dataDir: "", log: "")
        }
        try ClusterRecord(directory: directory, clusterId: 1, mode: "stable", engine: "dry-run", tokenFile: "", gateways: [], nodes: nodes).write(directory: directory)

        let report = try LocalCluster.down(directory: directory, graceSeconds: 0.5)
        #expect(report.lines == [
            "node 2: pid \(stranger.pid) is no longer its process (another program has that pid now); left it alone",
            "node 3 (pid \(ended.pid)) had stopped already",
            "stopped node 1 (pid \(node1.pid))",
            "stopped node 4 (pid \(node4.pid)) with SIGKILL: it ignored SIGTERM for 0.5 s",
        ])
        #expect(report.stopped == 2)
        #expect(!ProcessHarness.isRunning(node1.pid) && !ProcessHarness.isRunning(node4.pid))
        #expect(ProcessHarness.isRunning(stranger.pid))
        #expect(!FileManager.default.fileExists(atPath: directory + "/cluster.json"))
    }

    @Test func clusterDownWithoutAClusterSaysSoAndExitsOne() throws {
        let harness = try ProcessHarness()
        let run = try harness.edgeraft(["cluster", "down", "--dir", harness.path("nothing-here")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no local cluster in \(harness.path("nothing-here"))"))
        #expect(run.stderr.contains("edgeraft cluster up"))
    }

    @Test func aDeployToAGatewayThatIsNotThereSaysWhatToDoAndExitsOne() throws {
        let harness = try ProcessHarness()
        let port = try FreePorts.pick(udp: 0, tcp: 1).tcp[0]
        var environment = ProcessInfo.processInfo.environment
        environment["EDGERAFT_TOKEN"] = "t"
        let run = try harness.edgeraft(["deploy", "--gateway", "127.0.0.1:\(port)", "--name", "web", "--image", "x", "--", "sleep", "1"], environment: environment)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot reach the gateway at 127.0.0.1:\(port)"))
        environment["EDGERAFT_TOKEN"] = nil
        let noToken = try harness.edgeraft(["services", "--gateway", "127.0.0.1:\(port)", "--dir", harness.root], environment: environment)
        #expect(noToken.status == 1)
        #expect(noToken.stderr.contains("no API token"))
    }
}

