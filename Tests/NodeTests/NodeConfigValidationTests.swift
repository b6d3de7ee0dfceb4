import Foundation
import Node
import Testing
import Transport
import Wire

@Suite struct NodeConfigValidationTests {
    static let keyA = String(repeating: "ab", count: 32)
    static let keyB = String(repeating: "cd", count: 32)

    static func config(peers: [NodeConfig.Peer], insecure: Bool = false) -> NodeConfig {
        var config = NodeConfig(nodeID: 1, clusterID: 7, listen: "127.0.0.1:7001", peers: peers, dataDirectory: "/d")
        config.insecure = insecure
        return config
    }

    static func messages(_ errors: [ConfigError]) -> [String] { errors.map(\.description) }

    @Test func aGoodRosterHasNoProblems() {
        let config = Self.config(peers: [
            NodeConfig.Peer(id: 2, address: "127.0.0.1:7002", publicKeyHex: Self.keyA),
            NodeConfig.Peer(id: 3, address: "[::1]:7003", publicKeyHex: Self.keyB),
        ])
        #expect(NodeConfigValidation.rosterProblems(config).isEmpty)
        #expect(NodeConfigValidation.addressProblems(config).isEmpty)
        #expect(NodeConfigValidation.validate(config) == NodeConfigReport())
    }

    @Test func selfListedDuplicateAndKeylessPeersAreAllReported() {
        let config = Self.config(peers: [
            NodeConfig.Peer(id: 1, address: "127.0.0.1:7010", publicKeyHex: Self.keyA),
            NodeConfig.Peer(id: 2, address: "127.0.0.1:7001", publicKeyHex: Self.keyA),
            NodeConfig.Peer(id: 3, address: "127.0.0.1:7003", publicKeyHex: nil),
            NodeConfig.Peer(id: 3, address: "127.0.0.1:7003", publicKeyHex: "12"),
            NodeConfig.Peer(id: 4, address: "127.0.0.1:7004", publicKeyHex: String(repeating: "zz", count: 32)),
        ])
        let messages = Self.messages(NodeConfigValidation.rosterProblems(config))
        let expected = [
            "peers[0].id: peer 1 is this node (node-id is 1); remove it from peers",
            "peers[1].address: peer 2 is this node (its address is this node's listen address 127.0.0.1:7001)",
            "peers[2]: peer 3 has no public-key; add the 64 hex digits its `edgeraft keygen` printed",
            "peers[3].public-key: the public key of peer 3 is not 64 hex digits (it has 2 characters)",
            "peers[4].public-key: the public key of peer 4 is not 64 hex digits (it has 64 characters, not all hex)",
            "peers[2].id, peers[3].id: node id 3 is listed more than once",
            "peers[2].address, peers[3].address: address 127.0.0.1:7003 is listed more than once",
            "peers[0].public-key, peers[1].public-key: the same public key is listed for more than one peer",
        ]
        for text in expected {
            #expect(messages.contains { $0.contains(text) }, "\(text)\n\(messages)")
        }
        #expect(messages.count == expected.count, "\(messages)")
    }

    @Test func insecureAllowsPeersWithoutKeys() {
        let config = Self.config(peers: [NodeConfig.Peer(id: 2, address: "127.0.0.1:7002", publicKeyHex: nil)], insecure: true)
        #expect(NodeConfigValidation.rosterProblems(config).isEmpty)
        #expect(NodeConfigValidation.warnings(config) == [.insecure])
    }

    @Test func addressesMustParse() {
        var config = Self.config(peers: [
            NodeConfig.Peer(id: 2, address: "node2:7000", publicKeyHex: Self.keyA),
            NodeConfig.Peer(id: 3, address: "127.0.0.1", publicKeyHex: Self.keyB),
            NodeConfig.Peer(id: 4, address: "0.0.0.0:7004", publicKeyHex: Self.keyB),
            NodeConfig.Peer(id: 5, address: "127.0.0.1:0", publicKeyHex: Self.keyB),
        ])
        config.listen = "127.0.0.1:99999"
        var gateway = NodeConfig.Gateway(tokenFile: "/t")
        gateway.listen = "localhost:7700"
        config.gateway = gateway
        let messages = Self.messages(NodeConfigValidation.addressProblems(config))
        let expected = [
            "listen: \"127.0.0.1:99999\" is not a usable address: 127.0.0.1:99999 has no valid port",
            "peers[0].address: \"node2:7000\" is not a usable address: node2 is not a numeric IPv4 or IPv6 address",
            "peers[1].address: \"127.0.0.1\" is not a usable address: 127.0.0.1 has no port",
            "peers[2].address: \"0.0.0.0:7004\" is not a usable address: 0.0.0.0 means any address",
            "peers[3].address: \"127.0.0.1:0\" is not a usable address: port 0 is not a fixed port",
            "gateway.listen: \"localhost:7700\" is not a usable address",
        ]
        for text in expected {
            #expect(messages.contains { $0.contains(text) }, "\(text)\n\(messages)")
        }
        #expect(messages.count == expected.count)
    }

    @Test func aRemoteGatewayNeedsTLSOrTheExplicitFlag() {
        var config = Self.config(peers: [], insecure: true)
        var gateway = NodeConfig.Gateway(tokenFile: "/t")
        gateway.listen = "0.0.0.0:7700"
        config.gateway = gateway
        #expect(Self.messages(NodeConfigValidation.gatewayProblems(config)).first?.contains("gateway.listen: 0.0.0.0:7700 is beyond loopback") == true)
        for loopback in ["127.0.0.1:7700", "127.8.0.1:7700", "[::1]:7700"] {
            config.gateway?.listen = loopback
            #expect(NodeConfigValidation.gatewayProblems(config).isEmpty, "\(loopback)")
        }
        config.gateway?.listen = "[::]:7700"
        #expect(NodeConfigValidation.gatewayProblems(config).count == 1)
        config.gateway?.tlsCertificateFile = "/cert"
        let half = Self.messages(NodeConfigValidation.gatewayProblems(config))
        #expect(half.count == 2 && half.first?.contains("missing required key gateway.tls-key") == true, "\(half)")
        config.gateway?.tlsKeyFile = "/key"
        #expect(NodeConfigValidation.gatewayProblems(config).isEmpty)
        config.gateway?.tlsCertificateFile = nil
        config.gateway?.tlsKeyFile = nil
        config.gateway?.allowPlaintextRemote = true
        #expect(NodeConfigValidation.gatewayProblems(config).isEmpty)
        #expect(NodeConfigValidation.warnings(config) == [.insecure, .plaintextRemoteGateway(listen: "[::]:7700")])
    }

    @Test func warningsAreSeparateFromErrors() {
        var config = Self.config(peers: [], insecure: true)
        config.linkEmulation = "pi-wifi"
        config.testLiePlacement = true
        let report = NodeConfigValidation.validate(config)
        #expect(report.errors.isEmpty)
        #expect(report.warnings == [.insecure, .linkEmulation(profile: "pi-wifi"), .testLiePlacement])
        #expect(report.warnings.map(\.description).allSatisfy { $0.contains("only") || $0.contains("on purpose") })
    }

    @Test func aMalformedInjectedLoadIsRefused() throws {
        var config = Self.config(peers: [], insecure: true)
        config.injectedLoad = "cpu=2000 memory=5"
        #expect(Self.messages(NodeConfigValidation.injectedLoadProblems(config)).first?.contains("load: load: cpu is not valid: \"2000\"; write `cpu=‰ memory=MiB") == true)
        config.injectedLoad = "cpu=200 memory=5"
        #expect(NodeConfigValidation.injectedLoadProblems(config).isEmpty)
        config.injectedLoad = nil
        let dir = try ConfigFixture.directory()
        config.injectedLoadFile = try ConfigFixture.write("cpu=1 disk=3\n", to: dir + "/load")
        #expect(Self.messages(NodeConfigValidation.fileProblems(config)).first?.contains("load-file: \(dir)/load: key is not valid: \"disk\"") == true)
        config.injectedLoadFile = dir + "/none"
        #expect(Self.messages(NodeConfigValidation.fileProblems(config)).first?.contains("load-file: \(dir)/none: cannot read") == true)
    }

    @Test func privateKeyFileProblemsSayHowToFixThem() throws {
        let dir = try ConfigFixture.directory()
        var config = Self.config(peers: [])
        let cases: [(String, String)] = [
            ("missing", "create one with `edgeraft keygen --out \(dir)/missing.key`"),
            ("open", "run `chmod 600 \(dir)/open.key`"),
            ("bad", "does not hold a private key (64 hex digits); create one with `edgeraft keygen --out \(dir)/bad.key`"),
            ("link", "is not a regular file (symbolic links are refused); create one with `edgeraft keygen"),
        ]
        let good = try NodeIdentity.create(at: dir + "/good.key")
        try ConfigFixture.write(String(repeating: "ab", count: 32) + "\n", to: dir + "/open.key", mode: 0o644)
        try ConfigFixture.write("not a key\n", to: dir + "/bad.key")
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.key", withDestinationPath: dir + "/good.key")
        for (name, expected) in cases {
            config.privateKeyFile = "\(dir)/\(name).key"
            let messages = Self.messages(NodeConfigValidation.fileProblems(config))
            #expect(messages.count == 1 && messages.first?.hasPrefix("private-key: ") == true && messages.first?.contains(expected) == true, "\(name): \(messages)")
        }
        config.privateKeyFile = dir + "/good.key"
        #expect(NodeConfigValidation.fileProblems(config).isEmpty)
        // The roster listing this node's own key is a self-listed peer.
        config.peers = [NodeConfig.Peer(id: 2, address: "127.0.0.1:7002", publicKeyHex: good.publicKey.description)]
        #expect(Self.messages(NodeConfigValidation.fileProblems(config)) == [
            "peers[0].public-key: peer 2 is this node (its public key is this node's own); remove it from peers — the roster lists the other members",
        ])
    }

    @Test func gatewayTokenFileMustExistBeNonEmptyAndPrivate() throws {
        let dir = try ConfigFixture.directory()
        var config = Self.config(peers: [], insecure: true)
        try ConfigFixture.write("secret-token\n", to: dir + "/token")
        try ConfigFixture.write(" \n", to: dir + "/empty")
        try ConfigFixture.write("secret-token\n", to: dir + "/open", mode: 0o640)
        let cases: [(String, String)] = [
            ("none", "gateway.token-file: the gateway token file \(dir)/none does not exist"),
            ("empty", "gateway.token-file: the gateway token file \(dir)/empty is empty"),
            ("open", "has mode 640, so others can read the token; run `chmod 600 \(dir)/open`"),
        ]
        for (name, expected) in cases {
            config.gateway = NodeConfig.Gateway(tokenFile: "\(dir)/\(name)")
            let messages = Self.messages(NodeConfigValidation.fileProblems(config))
            #expect(messages.count == 1 && messages.first?.contains(expected) == true, "\(name): \(messages)")
        }
        config.gateway = NodeConfig.Gateway(tokenFile: dir + "/token")
        #expect(NodeConfigValidation.fileProblems(config).isEmpty)
        config.gateway?.tlsCertificateFile = dir + "/cert.pem"
        config.gateway?.tlsKeyFile = dir + "/open"
        let tls = Self.messages(NodeConfigValidation.fileProblems(config))
        #expect(tls.count == 2 && tls.first?.hasPrefix("gateway.tls-cert: \(dir)/cert.pem cannot be read") == true
            && tls.last?.contains("so others can read the TLS key") == true, "\(tls)")
    }

    @Test func aClusterKeyFileIsChecked() throws {
        let dir = try ConfigFixture.directory()
        var config = Self.config(peers: [], insecure: true)
        config.clusterKeyFile = try ConfigFixture.write("12\n", to: dir + "/cluster.key")
        #expect(Self.messages(NodeConfigValidation.fileProblems(config)).first?.hasPrefix("cluster-key-file: the cluster key in \(dir)/cluster.key has 1 bytes") == true)
        config.clusterKeyFile = try ConfigFixture.write(ClusterKey.generateHex(), to: dir + "/good.key")
        #expect(NodeConfigValidation.fileProblems(config).isEmpty)
    }

    @Test func checkConfigNamesWhereEachProblemCameFrom() throws {
        let dir = try ConfigFixture.directory()
        let text = ConfigFixture.minimal.replacingOccurrences(of: "/tmp/edgeraft-config-test", with: dir + "/data")
            + "peers:\n  - id: 1\n    address: 127.0.0.1:7002\n"
        let path = try ConfigFixture.write(text, to: dir + "/node.yaml")
        let fromFile = NodeConfigCheck.run(configFile: path, overrides: NodeConfigOverrides())
        #expect(fromFile.messages == ["\(path): peers[0].id: peer 1 is this node (node-id is 1); remove it from peers — the roster lists the other members"])
        var overrides = NodeConfigOverrides()
        overrides.peers = ["2=127.0.0.1:7001"]
        let fromFlag = NodeConfigCheck.run(configFile: path, overrides: overrides)
        #expect(fromFlag.messages.count == 1)
        #expect(fromFlag.messages.first?.hasPrefix("flag --peer: peers[0].address: peer 2 is this node (its address is this node's listen address 127.0.0.1:7001)") == true, "\(fromFlag.messages)")
    }
}
