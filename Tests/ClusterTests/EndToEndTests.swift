#if canImport(Glibc)
import Glibc
#endif
import ClientAPI
import Foundation
import Node
import Testing
import Transport

@testable import EdgeRaftClient

/// Issue 11 item 11: real `edgeraft node` processes on loopback sockets, one data directory
/// each, every child killed in teardown (`ProcessHarness`).
@Suite(.serialized)
struct EndToEndTests {
    /// A command that notes each start of service `name` in the harness's `starts/` folder
    /// (one line per start, whichever node runs it), then idles.
    static func countedCommand(_ harness: ProcessHarness, _ name: String) -> [String] {
        ["/bin/sh", "-c", "echo $$ >> \(harness.path("starts"))/\(name); exec sleep 40"]
    }

    static func starts(_ harness: ProcessHarness, _ name: String) -> Int {
        ((try? String(contentsOfFile: harness.path("starts/") + name, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    static func up(
        _ harness: ProcessHarness, nodes: Int = 6, gateways: Int, mode: NodeConfig.Mode, engine: NodeConfig.EngineKind = .process, session: APISession
    ) async throws -> ClusterRecord {
        try FileManager.default.createDirectory(atPath: harness.path("starts"), withIntermediateDirectories: true)
        let options = LocalClusterPlan.Options(
            nodes: nodes, gateways: gateways, mode: mode, engine: engine, directory: harness.path("cluster"),
            // This machine's load (the other tests run beside these) would make placement flaky.
            stagedLoads: true)
        let record = try await LocalCluster.up(options, executable: ProcessHarness.edgeraftBinary, session: session)
        harness.adopt(record)
        return record
    }

    static func clients(_ record: ClusterRecord, _ session: APISession) throws -> [APIClient] {
        let token = try String(contentsOfFile: record.tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try record.gateways.map { session.client(gateway: try GatewayAddress(parsing: $0), token: token) }
    }

    /// Waits until every named service runs, as `client` lists them.
    static func waitRunning(_ names: Set<String>, _ client: APIClient, seconds: Double = 15) async throws -> ServiceList {
        let started = Date()
        while true {
            let list = try await client.services()
            let running = Set(list.services.filter { $0.status == "running" }.map(\.name))
            if names.isSubset(of: running) { return list }
            if Date().timeIntervalSince(started) > seconds {
                Issue.record("not running after \(seconds) s: \(names.subtracting(running).sorted()); list: \(list.services.map { "\($0.name)=\($0.status)" })")
                return list
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    /// Every node's `edgeraft log --json`, read after the cluster stopped.
    static func logs(_ harness: ProcessHarness, _ record: ClusterRecord) throws -> [String] {
        try record.nodes.map { node in
            let run = try harness.edgeraft(["log", "--data-dir", node.dataDir, "--json"])
            #expect(run.status == 0, "log of node \(node.id): \(run.stderr)")
            return run.stdout
        }
    }

    @Test(arguments: [NodeConfig.Mode.stable, .onDemand(idleMillis: 0), .onDemand(idleMillis: 2_000)])
    func threeGatewaysDeployingAtOnceDecideAndStartEachRequestOnce(mode: NodeConfig.Mode) async throws {
        let harness = try ProcessHarness()
        try await APISession.with { session in
            let record = try await Self.up(harness, gateways: 3, mode: mode, session: session)
            let clients = try Self.clients(record, session)
            let names = (0..<9).map { "svc-\($0)" }
            // Each request twice, through two different gateways at once, with one request id.
            let answers = try await withThrowingTaskGroup(of: ServiceView.self) { group in
                for (index, name) in names.enumerated() {
                    let body = DeployBody(name: name, image: "process", command: Self.countedCommand(harness, name), cpu: 0.05, memory: "8M", requestId: String(1_000 + index))
                    for copy in 0..<2 {
                        let client = clients[(index + copy) % clients.count]
                        group.addTask { try await client.deploy(body) }
                    }
                }
                var all: [ServiceView] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            #expect(answers.count == 18)
            for name in names {
                let both = answers.filter { $0.name == name }
                #expect(both.count == 2 && Set(both.map(\.node)).count == 1 && Set(both.map(\.decisionIndex)).count == 1, "\(name): \(both)")
            }
            let list = try await Self.waitRunning(Set(names), clients[0])
            for client in clients {
                let seen = try await client.services().services
                #expect(seen.map(\.name).sorted() == names)
                #expect(Dictionary(seen.map { ($0.name, $0.node) }, uniquingKeysWith: { a, _ in a }) == Dictionary(list.services.map { ($0.name, $0.node) }, uniquingKeysWith: { a, _ in a }))
            }
            try await Task.sleep(nanoseconds: 1_000_000_000)
            for name in names { #expect(Self.starts(harness, name) == 1, "\(name) started \(Self.starts(harness, name)) times") }
            _ = try LocalCluster.down(directory: record.directory)
            let logs = try Self.logs(harness, record)
            #expect(logs.allSatisfy { $0 == logs[0] })
            #expect(logs[0].split(separator: "\n").count >= names.count)
        }
    }

    @Test func aNodeKilledAndRestartedFromItsDirectoryCatchesUpAndStartsNothingTwice() async throws {
        let harness = try ProcessHarness()
        try await APISession.with { session in
            let record = try await Self.up(harness, gateways: 2, mode: .stable, session: session)
            let clients = try Self.clients(record, session)
            func deploy(_ name: String) async throws -> ServiceView {
                try await clients[0].deploy(DeployBody(name: name, image: "process", command: Self.countedCommand(harness, name), cpu: 0.05, memory: "8M"))
            }
            for name in ["before-1", "before-2", "before-3"] { _ = try await deploy(name) }
            _ = try await Self.waitRunning(["before-1", "before-2", "before-3"], clients[0])

            let victim = try #require(record.nodes.last)
            kill(-victim.pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(victim.pid, &status, 0)
            for name in ["during-1", "during-2"] { _ = try await deploy(name) }

            let restarted = try ChildProcess.spawn([ProcessHarness.edgeraftBinary, "node", "--config", victim.config], logPath: victim.log)
            harness.adopt(restarted.pid)
            let started = Date()
            while Date().timeIntervalSince(started) < 15 {
                let view = try await clients[0].cluster()
                if let member = view.members.first(where: { $0.id == victim.id }), member.link?.sessionEstablished == true, member.load != nil { break }
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            _ = try await deploy("after-1")
            let names: Set<String> = ["before-1", "before-2", "before-3", "during-1", "during-2", "after-1"]
            _ = try await Self.waitRunning(names, clients[1])
            try await Task.sleep(nanoseconds: 2_000_000_000)
            for name in names { #expect(Self.starts(harness, name) == 1, "\(name) started \(Self.starts(harness, name)) times") }

            var stopped = record
            stopped.nodes[stopped.nodes.count - 1].pid = restarted.pid
            try stopped.write(directory: record.directory)
            _ = try LocalCluster.down(directory: record.directory)
            let logs = try Self.logs(harness, record)
            #expect(logs.allSatisfy { $0 == logs[0] }, "the restarted node's log differs")
        }
    }

    /// Membership through the log: a 7th process started with `join: true` is added by
    /// `member add` at a gateway, promoted, takes part in a deploy, and is removed.
    @Test func aSeventhProcessJoinsIsPromotedAndIsRemoved() async throws {
        let harness = try ProcessHarness()
        try await APISession.with { session in
            let record = try await Self.up(harness, gateways: 2, mode: .stable, engine: .dryRun, session: session)
            let clients = try Self.clients(record, session)
            // The new node's config: node 6's, as node 7, its roster the six running nodes.
            let sixth = try #require(record.nodes.last)
            var config = try NodeConfigLoader.load(file: sixth.config)
            let sixthKey = try NodeIdentity.load(from: try #require(config.privateKeyFile)).publicKey.description
            let directory = harness.path("node-7")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let keygen = try harness.edgeraft(["keygen", "--out", directory + "/node.key"])
            #expect(keygen.status == 0, "\(keygen.stderr)")
            let publicKey = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let port = try #require(try FreePorts.pick(udp: 1, tcp: 0).udp.first)
            config.nodeID = 7
            config.listen = "127.0.0.1:\(port)"
            config.dataDirectory = directory + "/data"
            config.privateKeyFile = directory + "/node.key"
            config.peers.append(NodeConfig.Peer(id: sixth.id, address: sixth.listen, publicKeyHex: sixthKey))
            config.gateway = nil
            config.join = true
            config.injectedLoad = "cpu=20 memory=200 cores=4 capacity=4096"
            config.injectedLoadFile = nil
            try config.renderYAML().write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
            let child = try ChildProcess.spawn([ProcessHarness.edgeraftBinary, "node", "--config", directory + "/config.yaml"], logPath: directory + "/node.log")
            harness.adopt(child.pid)

            let added = try await clients[1].addMember(MemberBody(id: 7, address: config.listen, publicKey: publicKey))
            #expect(added.role == "learner")
            let promoted = try await clients[0].promoteMember(id: 7)
            #expect(promoted.role == "voter")
            let view = try await clients[0].cluster()
            #expect(view.members.map(\.id).sorted() == [1, 2, 3, 4, 5, 6, 7])
            #expect(view.members.first { $0.id == 7 }?.voter == true)
            // It takes part: a deploy commits with seven voters (and may land on node 7, the idlest).
            let deployed = try await clients[0].deploy(DeployBody(name: "with-seven", image: "x", cpu: 0.05, memory: "8M"))
            #expect((1...7).contains(deployed.node))

            // Node 7 has the log: its own data directory holds the decision, committed.
            var seventhLog = ""
            let waited = Date()
            while !seventhLog.contains("with-seven"), Date().timeIntervalSince(waited) < 10 {
                seventhLog = try harness.edgeraft(["log", "--data-dir", config.dataDirectory, "--json"]).stdout
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            #expect(seventhLog.contains("with-seven"), "node 7's log: \(seventhLog)")

            let removed = try await clients[1].removeMember(id: 7)
            #expect(removed.role == "removed")
            let after = try await clients[1].cluster()
            #expect(after.members.map(\.id).sorted() == [1, 2, 3, 4, 5, 6])
            _ = try await clients[0].deploy(DeployBody(name: "without-seven", image: "x", cpu: 0.05, memory: "8M"))
            let list = try await clients[0].services()
            #expect(list.services.first { $0.name == "without-seven" }.map { $0.node != 7 } == true)
            kill(-child.pid, SIGTERM)
            _ = try LocalCluster.down(directory: record.directory)
        }
    }

    /// Item 1's start-up checks, through `edgeraft node --config F --check-config`.
    @Test func everyConfigMistakeGivesItsMessageAndExitOne() async throws {
        let harness = try ProcessHarness()
        let directory = harness.path("cluster")
        let ports = try FreePorts.pick(udp: 2, tcp: 1)
        let plan = try LocalClusterPlan(options: .init(nodes: 2, gateways: 1, engine: .dryRun, directory: directory), clusterID: 7, udpPorts: ports.udp, gatewayPorts: ports.tcp)
        var keys: [UInt16: String] = [:]
        for node in plan.nodes {
            try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
            keys[node.id] = try NodeIdentityForTests.create(at: node.keyPath)
        }
        try "token\n".write(toFile: plan.tokenPath, atomically: true, encoding: .utf8)
        chmod(plan.tokenPath, 0o600)
        let node = plan.nodes[0]
        let valid = plan.configYAML(for: node, publicKeys: keys)

        func check(_ yaml: String, _ name: String) throws -> ProcessHarness.Run {
            let path = harness.path("\(name).yaml")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return try harness.edgeraft(["node", "--config", path, "--check-config"])
        }
        let ok = try check(valid, "valid")
        #expect(ok.status == 0, "the valid config: \(ok.stderr)")

        let otherKey = keys[2] ?? ""
        let peerBlock = "peers:\n  - id: 2\n    address: \"127.0.0.1:\(ports.udp[1])\"\n    public-key: \"\(otherKey)\"\n"
        try "not hex\n".write(toFile: harness.path("malformed.key"), atomically: true, encoding: .utf8)
        chmod(harness.path("malformed.key"), 0o600)
        try String(repeating: "ab", count: 32).write(toFile: harness.path("open.key"), atomically: true, encoding: .utf8)
        chmod(harness.path("open.key"), 0o644)
        let cases: [(String, String, [String])] = [
            ("unknown-key", valid + "colour: blue\n", ["colour"]),
            ("duplicate-peer", valid.replacingOccurrences(of: peerBlock, with: peerBlock + "  - id: 2\n    address: \"127.0.0.1:1\"\n    public-key: \"\(otherKey)\"\n"), ["more than once"]),
            ("self-listed-peer", valid.replacingOccurrences(of: "  - id: 2\n", with: "  - id: 1\n"), ["is this node"]),
            ("bad-public-key", valid.replacingOccurrences(of: otherKey, with: "zz"), ["public"]),
            ("missing-public-key", valid.replacingOccurrences(of: "    public-key: \"\(otherKey)\"\n", with: ""), ["public"]),
            ("unreadable-key", valid.replacingOccurrences(of: node.keyPath, with: harness.path("no-such.key")), ["no-such.key"]),
            ("malformed-key", valid.replacingOccurrences(of: node.keyPath, with: harness.path("malformed.key")), ["does not hold a private key"]),
            ("world-readable-key", valid.replacingOccurrences(of: node.keyPath, with: harness.path("open.key")), ["chmod 600"]),
        ]
        for (name, yaml, words) in cases {
            #expect(yaml != valid, "\(name): the mistake was not made")
            let run = try check(yaml, name)
            #expect(run.status == 1, "\(name): exit \(run.status)")
            for word in words { #expect(run.stderr.lowercased().contains(word.lowercased()), "\(name): \(run.stderr)") }
        }

        // The UDP port taken by someone else.
        let taken = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(taken) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = ports.udp[0].bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(taken, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        // Only binding tells (--check-config does not bind), so the node itself must refuse.
        let blocked = try ChildProcess.spawn([ProcessHarness.edgeraftBinary, "node", "--config", harness.path("valid.yaml")], logPath: harness.path("in-use.log"))
        harness.adopt(blocked.pid)
        var blockedExit: ChildProcess.ExitStatus?
        for _ in 0..<500 where blockedExit == nil {
            blockedExit = blocked.exitStatusIfEnded()
            usleep(20_000)
        }
        let inUseLog = (try? String(contentsOfFile: harness.path("in-use.log"), encoding: .utf8)) ?? ""
        #expect(blockedExit == .exited(1) && inUseLog.contains("in use"), "\(String(describing: blockedExit)): \(inUseLog)")
        close(taken)

        // A data directory that a node of another cluster id started in.
        let first = try ChildProcess.spawn([ProcessHarness.edgeraftBinary, "node", "--config", harness.path("valid.yaml")], logPath: harness.path("first.log"))
        harness.adopt(first.pid)
        for _ in 0..<100 where ((try? FileManager.default.contentsOfDirectory(atPath: node.dataDirectory)) ?? []).isEmpty { usleep(50_000) }
        first.signalGroup(SIGTERM)
        while first.exitStatusIfEnded() == nil { usleep(20_000) }
        let otherCluster = try check(valid.replacingOccurrences(of: "cluster-id: 7", with: "cluster-id: 8"), "other-cluster")
        #expect(otherCluster.status == 1 && otherCluster.stderr.contains("cluster"), "\(otherCluster.stderr)")
    }

    @Test func badAPIRequestsGetTheir4xx() async throws {
        let harness = try ProcessHarness()
        try await APISession.with { session in
            let record = try await Self.up(harness, nodes: 1, gateways: 1, mode: .stable, engine: .dryRun, session: session)
            let client = try #require(try Self.clients(record, session).first)
            // The API's start is one line of the node's log (it was three: Hummingbird's, the server's, the node's).
            let port = try #require(record.gateways.first?.split(separator: ":").last.map(String.init))
            let nodeLog = try String(contentsOfFile: try #require(record.nodes.first).log, encoding: .utf8)
            let startLines = nodeLog.split(separator: "\n").filter { $0.contains(":\(port)") || $0.contains("port \(port)") }
            #expect(startLines.count == 1, "\(startLines)")
            func field(of body: DeployBody) async -> (Int, String?)? {
                do {
                    _ = try await client.deploy(body, retry: .never)
                    return nil
                } catch {
                    if case .rejected(let status, let detail)? = (error as Any) as? APIClientError { return (status, detail.field) }
                    return (0, "\(error)")
                }
            }
            #expect(await field(of: DeployBody(name: "Bad Name!", image: "x")).map { $0.0 == 400 && $0.1 == "name" } == true)
            #expect(await field(of: DeployBody(name: "ok", image: "")).map { $0.0 == 400 && $0.1 == "image" } == true)
            #expect(await field(of: DeployBody(name: "ok", image: "x", memory: "lots")).map { $0.0 == 400 && $0.1 == "memory" } == true)
            #expect(await field(of: DeployBody(name: "ok", image: "x", cpu: -1)).map { $0.0 == 400 && $0.1 == "cpu" } == true)
            #expect(await field(of: DeployBody(name: "ok", image: "x", requestId: "0")).map { $0.0 == 400 && $0.1 == "requestId" } == true)

            let (notJSON, _) = try await client.exchange(.POST, "/v1/services", body: Array("{not json".utf8))
            #expect(notJSON == 400)
            let (huge, _) = try await client.exchange(.POST, "/v1/services", body: Array(repeating: UInt8(ascii: " "), count: 1 << 20))
            #expect(huge == 413)
            await #expect(throws: APIClientError.self) { try await client.service(name: "nope") }
            let (missing, _) = try await client.exchange(.GET, "/v1/services/nope", body: nil)
            #expect(missing == 404)

            let stranger = session.client(gateway: client.gateway, token: "wrong")
            await #expect {
                try await stranger.services()
            } throws: { error in
                if case .unauthorized? = error as? APIClientError { return true }
                return false
            }
            // Health needs no token.
            let health = try await session.client(gateway: client.gateway, token: nil).health()
            #expect(health.status == "ok")
        }
    }

    @Test func theDemoRunsInWellUnderAMinuteAndLeavesNothingBehind() throws {
        let harness = try ProcessHarness()
        let started = Date()
        let run = try harness.edgeraft(["demo"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 45)
        for index in 1...LocalDemo.services { #expect(run.stdout.contains("demo-\(index) → node "), "\(run.stdout)") }
        #expect(run.stdout.contains("VoteConsNetMean") && run.stdout.contains("stopped \(LocalDemo.nodes) nodes"))
        #expect(!Self.anyNodeRuns(under: FileManager.default.temporaryDirectory.path + "/edgeraft-demo-"))
    }

    @Test func ctrlCWhileTheClusterComesUpStopsEveryNode() throws {
        let harness = try ProcessHarness()
        let directory = harness.path("cluster")
        let up = try harness.spawn([ProcessHarness.edgeraftBinary, "cluster", "up", "--nodes", "6", "--dir", directory], log: "up.log")
        // Wait for some nodes to be recorded, then interrupt.
        for _ in 0..<200 where ((try? ClusterRecord.read(directory: directory))?.nodes.count ?? 0) < 3 { usleep(10_000) }
        let record = try ClusterRecord.read(directory: directory)
        harness.adopt(record)
        kill(up.pid, SIGINT)
        var status: ChildProcess.ExitStatus?
        for _ in 0..<1_000 where status == nil {
            status = up.exitStatusIfEnded()
            usleep(10_000)
        }
        #expect(status == .exited(130))
        for node in record.nodes { #expect(!ProcessHarness.isRunning(node.pid), "node \(node.id) still runs") }
    }

    /// Whether any process runs `edgeraft node --config PREFIX…`.
    static func anyNodeRuns(under prefix: String) -> Bool {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
        return pids.contains { pid in
            guard let cmdline = NodeProcessCheck.cmdline(of: pid), !NodeProcessCheck.isGone(pid) else { return false }
            let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains("node") && arguments.contains { $0.hasPrefix(prefix) }
        }
    }
}
