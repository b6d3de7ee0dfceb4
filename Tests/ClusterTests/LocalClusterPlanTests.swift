import ClientAPI
import Foundation
import Node
import Testing
import Yams

@testable import EdgeRaftClient

@Suite struct LocalClusterPlanTests {
    static let keys: [UInt16: String] = [1: String(repeating: "1", count: 64), 2: String(repeating: "ab", count: 32), 3: String(repeating: "0", count: 64)]

    func plan(mode: NodeConfig.Mode = .stable, insecure: Bool = false, directory: String = "/tmp/c") throws -> LocalClusterPlan {
        try LocalClusterPlan(
            options: .init(nodes: 3, gateways: 2, mode: mode, engine: .dryRun, link: "pi-wifi", insecure: insecure, directory: directory),
            clusterID: 77, udpPorts: [4001, 4002, 4003], gatewayPorts: [7001, 7002])
    }

    @Test func theFirstNodesAreTheGatewaysAndEachHasItsOwnDirectory() throws {
        let plan = try plan()
        #expect(plan.nodes.map(\.id) == [1, 2, 3])
        #expect(plan.nodes.map(\.gatewayListen) == ["127.0.0.1:7001", "127.0.0.1:7002", nil])
        #expect(plan.nodes[2].configPath == "/tmp/c/node-3/config.yaml")
        #expect(plan.nodes[2].dataDirectory == "/tmp/c/node-3/data")
        #expect(plan.tokenPath == "/tmp/c/token" && plan.recordPath == "/tmp/c/cluster.json")
    }

    @Test func badCountsAndPortsAreRefused() {
        let options = LocalClusterPlan.Options(nodes: 2, gateways: 3, directory: "/tmp/c")
        #expect(throws: LocalClusterPlan.PlanError.gatewayCount(gateways: 3, nodes: 2)) {
            try LocalClusterPlan(options: options, clusterID: 1, udpPorts: [1, 2], gatewayPorts: [3, 4, 5])
        }
        #expect(throws: LocalClusterPlan.PlanError.nodeCount(0)) {
            try LocalClusterPlan(options: .init(nodes: 0, gateways: 0, directory: "/tmp/c"), clusterID: 1, udpPorts: [], gatewayPorts: [])
        }
        #expect(throws: LocalClusterPlan.PlanError.self) {
            try LocalClusterPlan(options: .init(nodes: 2, gateways: 1, directory: "/tmp/c"), clusterID: 1, udpPorts: [5, 5], gatewayPorts: [6])
        }
        #expect(throws: LocalClusterPlan.PlanError.relativeDirectory("c")) {
            try LocalClusterPlan(options: .init(nodes: 1, gateways: 1, directory: "c"), clusterID: 1, udpPorts: [5], gatewayPorts: [6])
        }
    }

    @Test func theConfigNamesEveryPeerWithItsKeyAndTheGatewayWithTheToken() throws {
        let plan = try plan(mode: .onDemand(idleMillis: 0))
        let yaml = try #require(try Yams.load(yaml: plan.configYAML(for: plan.nodes[0], publicKeys: Self.keys)) as? [String: Any])
        #expect(yaml["node-id"] as? Int == 1)
        #expect(yaml["cluster-id"] as? Int == 77)
        #expect(yaml["listen"] as? String == "127.0.0.1:4001")
        #expect(yaml["data-dir"] as? String == "/tmp/c/node-1/data")
        #expect(yaml["private-key"] as? String == "/tmp/c/node-1/node.key")
        #expect(yaml["mode"] as? String == "on-demand")
        #expect(yaml["idle-ms"] as? Int == 0)
        #expect(yaml["engine"] as? String == "dry-run")
        #expect(yaml["link"] as? String == "pi-wifi")
        let peers = try #require(yaml["peers"] as? [[String: Any]])
        #expect(peers.map { $0["id"] as? Int } == [2, 3])
        #expect(peers.map { $0["address"] as? String } == ["127.0.0.1:4002", "127.0.0.1:4003"])
        // An all-digit key stays a string, not a number.
        #expect(peers.map { $0["public-key"] as? String } == [Self.keys[2], Self.keys[3]])
        let gateway = try #require(yaml["gateway"] as? [String: Any])
        #expect(gateway["listen"] as? String == "127.0.0.1:7001")
        #expect(gateway["token-file"] as? String == "/tmp/c/token")

        let third = try #require(try Yams.load(yaml: plan.configYAML(for: plan.nodes[2], publicKeys: Self.keys)) as? [String: Any])
        #expect(third["gateway"] == nil)
        #expect((third["peers"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1, 2])
    }

    @Test func insecureStableConfigsHaveNoKeysAndNoIdlePeriod() throws {
        let plan = try plan(insecure: true)
        let yaml = try #require(try Yams.load(yaml: plan.configYAML(for: plan.nodes[1], publicKeys: [:])) as? [String: Any])
        #expect(yaml["insecure"] as? Bool == true)
        #expect(yaml["private-key"] == nil && yaml["idle-ms"] == nil)
        #expect(yaml["mode"] as? String == "stable")
        #expect((yaml["peers"] as? [[String: Any]])?.allSatisfy { $0["public-key"] == nil } == true)
    }

    @Test func pathsWithYAMLSyntaxStayPlainStrings() throws {
        let plan = try plan(directory: "/tmp/a: #b \"c\" \\d")
        let yaml = try #require(try Yams.load(yaml: plan.configYAML(for: plan.nodes[0], publicKeys: Self.keys)) as? [String: Any])
        #expect(yaml["data-dir"] as? String == "/tmp/a: #b \"c\" \\d/node-1/data")
    }
}

@Suite struct ClusterRecordTests {
    static let record = ClusterRecord(
        directory: "/tmp/c", clusterId: 4242, mode: "on-demand", engine: "process", tokenFile: "/tmp/c/token", gateways: ["127.0.0.1:7001"],
        nodes: [.init(id: 1, pid: 100, listen: "127.0.0.1:4001", gateway: "127.0.0.1:7001", config: "/tmp/c/node-1/config.yaml", dataDir: "/tmp/c/node-1/data", log: "/tmp/c/node-1/node.log"),
                .init(id: 2, pid: 101, listen: "127.0.0.1:4002", gateway: nil, config: "/tmp/c/node-2/config.yaml", dataDir: "/tmp/c/node-2/data", log: "/tmp/c/node-2/node.log")])

    @Test func aRecordRoundTrips() throws {
        #expect(try ClusterRecord.decode(Self.record.encoded(), path: "p") == Self.record)
        let text = String(decoding: Self.record.encoded(), as: UTF8.self)
        #expect(text.contains("\"version\" : 1") && text.contains("\"/tmp/c/token\""))
    }

    @Test func otherVersionsAndOtherFilesAreRefused() {
        #expect(throws: ClusterRecord.RecordError.unsupportedVersion(path: "p", version: 2)) { try ClusterRecord.decode(Data(#"{"version": 2}"#.utf8), path: "p") }
        #expect(throws: ClusterRecord.RecordError.self) { try ClusterRecord.decode(Data("not json".utf8), path: "p") }
        #expect(throws: ClusterRecord.RecordError.self) { try ClusterRecord.decode(Data(#"{"version": 1, "nodes": 3}"#.utf8), path: "p") }
        #expect(throws: ClusterRecord.RecordError.missing(directory: "/nonexistent-dir")) { try ClusterRecord.read(directory: "/nonexistent-dir") }
    }
}

@Suite struct ClusterReadinessTests {
    static func view(leader: UInt16?, heard: [UInt16]) -> ClusterView {
        ClusterView(
            node: 1, clusterId: 1, mode: "stable", role: "follower", leader: leader, term: 1, commitIndex: 0, appliedIndex: 0,
            members: heard.map { .init(id: $0, address: "a", voter: true, link: .init(smoothedRTTMicros: 1, retransmissions: 0, drops: 0, sessionEstablished: true)) }
                + [.init(id: 9, address: "a", voter: true, link: .init(smoothedRTTMicros: nil, retransmissions: 0, drops: 0, sessionEstablished: false))])
    }

    @Test func stableModeWaitsForALeaderThenCountsEveryRunningNode() {
        typealias O = ClusterReadiness.Observation
        var observations = [
            O(id: 1, running: true, isGateway: true, healthy: true, view: Self.view(leader: nil, heard: [3])),
            O(id: 3, running: true, isGateway: false),
            O(id: 9, running: true, isGateway: false),
        ]
        #expect(ClusterReadiness.readyNodes(mode: .stable, observations) == [])
        observations[0].view = Self.view(leader: 3, heard: [3])
        // Node 9 is not heard of (a follower gateway hears only the leader) but runs.
        #expect(ClusterReadiness.readyNodes(mode: .stable, observations) == [1, 3, 9])
        observations[1].running = false
        #expect(ClusterReadiness.readyNodes(mode: .stable, observations) == [1, 9])
        observations[0].healthy = false
        #expect(ClusterReadiness.readyNodes(mode: .stable, observations) == [])
    }

    @Test func onDemandModeNeedsNoLeaderAndCountsRunningNodesOnceAGatewayAnswers() {
        typealias O = ClusterReadiness.Observation
        var observations = [
            O(id: 1, running: true, isGateway: true, healthy: false),
            O(id: 2, running: true, isGateway: true, healthy: true, view: Self.view(leader: nil, heard: [])),
            O(id: 3, running: true, isGateway: false),
            O(id: 4, running: false, isGateway: false),
        ]
        #expect(ClusterReadiness.readyNodes(mode: .onDemand(idleMillis: 0), observations) == [2, 3])
        observations[1].healthy = false
        #expect(ClusterReadiness.readyNodes(mode: .onDemand(idleMillis: 0), observations) == [])
    }
}

@Suite struct NodeProcessCheckTests {
    static func cmdline(_ arguments: [String]) -> [UInt8] { arguments.flatMap { Array($0.utf8) + [0] } }

    @Test func onlyTheNodeOfThatConfigMatches() {
        let config = "/tmp/c/node-2/config.yaml"
        #expect(NodeProcessCheck.isNode(cmdline: Self.cmdline(["/x/.build/debug/edgeraft", "node", "--config", config]), configPath: config))
        #expect(NodeProcessCheck.isNode(cmdline: Self.cmdline(["/bin/sh", "/tmp/bin/edgeraft", "node", "--config", config]), configPath: config))
        #expect(!NodeProcessCheck.isNode(cmdline: Self.cmdline(["/x/edgeraft", "node", "--config", "/tmp/c/node-3/config.yaml"]), configPath: config))
        #expect(!NodeProcessCheck.isNode(cmdline: Self.cmdline(["/usr/bin/sleep", "node", "--config", config]), configPath: config))
        #expect(!NodeProcessCheck.isNode(cmdline: Self.cmdline(["/x/edgeraft-other", "node", "--config", config]), configPath: config))
        #expect(!NodeProcessCheck.isNode(cmdline: Self.cmdline(["/x/edgeraft", "node", "--config", config, "--extra"]), configPath: config))
        #expect(!NodeProcessCheck.isNode(cmdline: [], configPath: config))
        #expect(!NodeProcessCheck.isNode(cmdline: [0, 0, 0, 0, 0], configPath: config))
    }

    @Test func ourOwnProcessIsNotGoneAndAnUnusedPidIs() {
        #expect(!NodeProcessCheck.isGone(getpid()))
        #expect(NodeProcessCheck.isGone(0) && NodeProcessCheck.isGone(-5))
        #expect(NodeProcessCheck.cmdline(of: getpid())?.isEmpty == false)
    }
}

@Suite struct FreePortsTests {
    @Test func portsAreDistinctNonZeroAndFree() throws {
        let ports = try FreePorts.pick(udp: 8, tcp: 3)
        #expect(ports.udp.count == 8 && Set(ports.udp).count == 8 && !ports.udp.contains(0))
        #expect(ports.tcp.count == 3 && Set(ports.tcp).count == 3 && !ports.tcp.contains(0))
    }
}
