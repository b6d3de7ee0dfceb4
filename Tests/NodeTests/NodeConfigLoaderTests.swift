import Foundation
import NetworkModel
import Node
import Testing
import Wire

/// Files and texts the config tests share.
enum ConfigFixture {
    /// The smallest complete config: insecure, so no key files are needed.
    static let minimal = """
        node-id: 1
        cluster-id: 7
        listen: 127.0.0.1:7001
        data-dir: /tmp/edgeraft-config-test
        insecure: true

        """

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @discardableResult
    static func write(_ text: String, to path: String, mode: Int = 0o600) throws -> String {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// The loader's problems for `text`, as messages (empty when it loads).
    static func messages(_ text: String, overrides: NodeConfigOverrides = NodeConfigOverrides()) -> [String] {
        do {
            _ = try NodeConfigLoader.parse(yaml: text, path: "node.yaml", overrides: overrides)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    static func load(_ text: String, overrides: NodeConfigOverrides = NodeConfigOverrides()) throws -> NodeConfig {
        try NodeConfigLoader.parse(yaml: text, path: "node.yaml", overrides: overrides)
    }
}

@Suite struct NodeConfigLoaderTests {
    @Test func aMinimalFileGetsTheDefaults() throws {
        let config = try ConfigFixture.load(ConfigFixture.minimal)
        #expect(config.nodeID == 1)
        #expect(config.clusterID == 7)
        #expect(config.listen == "127.0.0.1:7001")
        #expect(config.peers.isEmpty)
        #expect(config.insecure)
        #expect(config.mode == .stable)
        #expect(config.tickMillis == 10)
        #expect(config.electionTicks == 10)
        #expect(config.heartbeatTicks == 1)
        #expect(config.metric == .cpu)
        #expect(config.engine == .process)
        #expect(config.logLevel == "info")
        #expect(config.gateway == nil)
        #expect(config.canLead)
        #expect(config.maxReportAgeMillis == 5_000)
        #expect(config.samplePeriodMillis == 1_000)
    }

    @Test func everyKeyIsRead() throws {
        let text = ConfigFixture.minimal + """
            peers:
              - id: 2
                address: 127.0.0.1:7002
                public-key: abc
            private-key: /k
            cluster-key-file: /c
            gateway:
              listen: 127.0.0.1:9000
              token-file: /t
              tls-cert: /cert
              tls-key: /key
              allow-plaintext-remote: true
              max-body-bytes: 2048
              request-timeout-ms: 500
            mode: on-demand
            idle-ms: 0
            tick-ms: 20
            election-ticks: 12
            heartbeat-ticks: 3
            can-lead: false
            metric: weighted
            cpu-weight: 700
            max-report-age-ms: 900
            sample-ms: 250
            load-file: /load
            engine: dry-run
            link: cellular
            log-level: debug
            test-lie-placement: true
            """
        let config = try ConfigFixture.load(text)
        #expect(config.peers == [NodeConfig.Peer(id: 2, address: "127.0.0.1:7002", publicKeyHex: "abc")])
        #expect(config.privateKeyFile == "/k")
        #expect(config.clusterKeyFile == "/c")
        var gateway = NodeConfig.Gateway(tokenFile: "/t")
        gateway.listen = "127.0.0.1:9000"
        gateway.tlsCertificateFile = "/cert"
        gateway.tlsKeyFile = "/key"
        gateway.allowPlaintextRemote = true
        gateway.maxBodyBytes = 2048
        gateway.requestTimeoutMillis = 500
        #expect(config.gateway == gateway)
        #expect(config.mode == .onDemand(idleMillis: 0))
        #expect(config.tickMillis == 20)
        #expect(config.electionTicks == 12)
        #expect(config.heartbeatTicks == 3)
        #expect(!config.canLead)
        #expect(config.metric == .weighted(cpuWeightPermille: 700))
        #expect(config.maxReportAgeMillis == 900)
        #expect(config.samplePeriodMillis == 250)
        #expect(config.injectedLoadFile == "/load")
        #expect(config.engine == .dryRun)
        #expect(config.linkEmulation == "cellular")
        #expect(config.logLevel == "debug")
        #expect(config.testLiePlacement)
        // What --check-config prints reads back as the same configuration.
        #expect(try ConfigFixture.load(config.renderYAML()) == config)
    }

    @Test func anUnknownKeyIsNamedWithTheClosestKnownOne() {
        let messages = ConfigFixture.messages(ConfigFixture.minimal + "tick-m: 5\n")
        #expect(messages.count == 1)
        #expect(messages.first?.contains("node.yaml:6: unknown key tick-m; did you mean tick-ms?") == true)
        let gateway = ConfigFixture.messages(ConfigFixture.minimal + "gateway:\n  token-fil: /t\n")
        #expect(gateway.contains { $0.contains("node.yaml:7: unknown key gateway.token-fil; did you mean gateway.token-file?") })
        let misplaced = ConfigFixture.messages(ConfigFixture.minimal + "token-file: /t\n")
        #expect(misplaced.first?.contains("did you mean gateway.token-file (it belongs under gateway:)?") == true)
        let peer = ConfigFixture.messages(ConfigFixture.minimal + "peers:\n  - id: 2\n    adress: 127.0.0.1:1\n")
        #expect(peer.contains { $0.contains("unknown key peers[0].adress; did you mean peers[0].address?") })
    }

    @Test func wrongTypesSayWhatWasExpected() {
        let cases: [(String, String)] = [
            ("tick-ms: fast\n", "tick-ms must be a whole number (1…10000 ms), not \"fast\""),
            ("tick-ms: \"20\"\n", "not the quoted text \"20\" (write the number without quotes)"),
            ("tick-ms: 2.5\n", "tick-ms must be a whole number"),
            ("can-lead: yes\n", "can-lead must be true or false, not \"yes\""),
            ("peers: 3\n", "peers must be a list of {id, address, public-key}, not \"3\""),
            ("peers: [5]\n", "peers[0] must be a mapping {id, address, public-key}"),
            ("gateway: on\n", "gateway must be a mapping"),
            ("load: [1, 2]\n", "load must be text, not a list"),
            ("log-level: {a: 1}\n", "log-level must be text, not a mapping"),
        ]
        for (line, expected) in cases {
            let messages = ConfigFixture.messages(ConfigFixture.minimal + line)
            #expect(messages.contains { $0.contains(expected) }, "\(line): \(messages)")
        }
        #expect(ConfigFixture.messages("- 1\n- 2\n").first?.contains("the top level must be a mapping") == true)
    }

    @Test func outOfRangeNumbersAreRefusedWithTheirRange() {
        let base = """
            listen: 127.0.0.1:7001
            data-dir: /d
            insecure: true

            """
        let cases: [(String, String)] = [
            ("node-id: 0\ncluster-id: 1\n", "node-id is 0, outside 1…65535"),
            ("node-id: 65536\ncluster-id: 1\n", "node-id is 65536, outside 1…65535"),
            ("node-id: 1\ncluster-id: 0\n", "cluster-id is 0, outside 1…65535"),
            ("node-id: 1\ncluster-id: 99999999999999999999999\n", "cluster-id is 99999999999999999999999, outside 1…65535"),
            ("node-id: 1\ncluster-id: 1\ntick-ms: 0\n", "tick-ms is 0, outside 1…10000 ms"),
            ("node-id: 1\ncluster-id: 1\ntick-ms: 10001\n", "tick-ms is 10001, outside 1…10000 ms"),
            ("node-id: 1\ncluster-id: 1\nelection-ticks: 1\n", "election-ticks is 1, outside 2…1000"),
            ("node-id: 1\ncluster-id: 1\nelection-ticks: 1001\n", "election-ticks is 1001, outside 2…1000"),
            ("node-id: 1\ncluster-id: 1\nheartbeat-ticks: 0\n", "heartbeat-ticks is 0, outside 1…999"),
            ("node-id: 1\ncluster-id: 1\nelection-ticks: 4\nheartbeat-ticks: 4\n", "heartbeat-ticks is 4, outside 1…3 (fewer than election-ticks, 4)"),
            ("node-id: 1\ncluster-id: 1\nheartbeat-ticks: 10\n", "heartbeat-ticks is 10, outside 1…9 (fewer than election-ticks, 10)"),
            ("node-id: 1\ncluster-id: 1\nmetric: weighted\ncpu-weight: 1001\n", "cpu-weight is 1001, outside 0…1000 ‰"),
            ("node-id: 1\ncluster-id: 1\nmode: on-demand\nidle-ms: 3600001\n", "idle-ms is 3600001, outside 0…3600000 ms"),
            ("node-id: 1\ncluster-id: 1\nsample-ms: 9\n", "sample-ms is 9, outside 10…60000 ms"),
            ("node-id: 1\ncluster-id: 1\nsample-ms: 60001\n", "sample-ms is 60001, outside 10…60000 ms"),
            ("node-id: -1\ncluster-id: 1\n", "node-id is -1, outside 1…65535"),
            ("node-id: 1\ncluster-id: 1\npeers:\n  - id: 70000\n    address: 127.0.0.1:1\n", "peers[0].id is 70000, outside 1…65535"),
        ]
        for (lines, expected) in cases {
            let messages = ConfigFixture.messages(base + lines)
            #expect(messages.contains { $0.contains(expected) && $0.contains("node.yaml:") }, "\(lines): \(messages)")
        }
        #expect(ConfigFixture.messages(base + "node-id: 65535\ncluster-id: 65535\nelection-ticks: 2\n").isEmpty)
    }

    @Test func unknownNamesListTheKnownOnes() {
        let cases: [(String, String)] = [
            ("mode: leaderless\n", "mode \"leaderless\" is not known; use one of stable, on-demand"),
            ("metric: disk\n", "metric \"disk\" is not known; use one of cpu, memory, weighted"),
            ("engine: docker\n", "engine \"docker\" is not known; use one of process, dry-run"),
            ("link: dialup\n", "link \"dialup\" is not known; use one of loopback, lan, pi-wifi, lossy-wifi, cellular, narrowband"),
            ("log-level: loud\n", "log-level \"loud\" is not known; use one of trace, debug, info, notice, warning, error, critical"),
        ]
        for (line, expected) in cases {
            let messages = ConfigFixture.messages(ConfigFixture.minimal + line)
            #expect(messages.count == 1 && messages.contains { $0.contains(expected) }, "\(line): \(messages)")
        }
    }

    @Test func missingRequiredKeysSayHowToGiveThem() {
        let messages = ConfigFixture.messages("mode: stable\n")
        for key in ["node-id", "cluster-id", "listen", "data-dir", "private-key"] {
            #expect(messages.contains { $0.contains("missing required key \(key)") && $0.contains(": add `\(key): ") && $0.contains("` to node.yaml or give --\(key) ") }, "\(key): \(messages)")
        }
        #expect(messages.count == 5)
        #expect(messages.contains("node.yaml: missing required key node-id (1…65535): add `node-id: N` to node.yaml or give --node-id N"))
        // Insecure needs no private key.
        #expect(ConfigFixture.messages(ConfigFixture.minimal).isEmpty)
        let secure = ConfigFixture.minimal.replacingOccurrences(of: "insecure: true", with: "insecure: false")
        #expect(ConfigFixture.messages(secure).first?.contains("missing required key private-key") == true)
        // An empty value is not given.
        #expect(ConfigFixture.messages(ConfigFixture.minimal.replacingOccurrences(of: "listen: 127.0.0.1:7001", with: "listen:")).first?.contains("missing required key listen") == true)
        let gateway = ConfigFixture.messages(ConfigFixture.minimal + "gateway:\n  listen: 127.0.0.1:7700\n")
        #expect(gateway.first?.contains("missing required key gateway.token-file") == true)
        let peer = ConfigFixture.messages(ConfigFixture.minimal + "peers:\n  - id: 2\n")
        #expect(peer.first?.contains("missing required key peers[0].address") == true)
        // Before: an empty id was neither read nor reported, and the loader threw no problem.
        let emptyID = ConfigFixture.messages(ConfigFixture.minimal + "peers:\n  - id:\n    address: 127.0.0.1:7002\n")
        #expect(emptyID == ["node.yaml: missing required key peers[0].id: add `peers[0].id: N` to node.yaml"])
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let messages = ConfigFixture.messages("node-id: 0\ncluster-id: x\nlisten: 127.0.0.1:1\ndata-dir: /d\ninsecure: true\nmode: sometimes\nbogus: 1\n")
        #expect(messages.count == 4, "\(messages)")
    }

    @Test func aFileOfMistakesStopsAtTheProblemLimit() {
        let junk = (0..<5_000).map { "key\($0): 1\n" }.joined()
        let messages = ConfigFixture.messages(ConfigFixture.minimal + junk)
        #expect(messages.count == NodeConfigLoader.maxProblems + 1)
        #expect(messages.last == "stopped after 100 problems; fix these first (is it the right file?)")
        // Entries made huge through an alias are refused whole.
        let keys = (0..<50).map { "k\($0): 1" }.joined(separator: ", ")
        let aliased = ConfigFixture.messages(ConfigFixture.minimal + "x-big: &big {\(keys)}\npeers: [*big, *big, *big]\n")
        #expect(aliased.contains { $0.contains("peers[2] must be a mapping {id, address, public-key}, not a mapping of 50 keys") }, "\(aliased)")
    }

    @Test func aliasBombsAreRefusedBeforeParsing() {
        // Nine levels of ten aliases each: 10^9 nodes once expanded, hashed as a key.
        var text = ConfigFixture.minimal + "x0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<9 {
            text += "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        text += "? *a8\n: 1\n"
        let messages = ConfigFixture.messages(text)
        #expect(messages == ["node.yaml: not valid YAML: 81 aliases (*name), more than the 16 allowed; write the values out; fix the syntax (indent with spaces, `key: value`)"])
        // Stars in comments and quoted text are not aliases; a few real ones are fine.
        let fine = ConfigFixture.minimal + "# *a *b *c *d *e *f *g *h *i *j *k *l *m *n *o *p *q\nload: \"*a *b *c *d *e *f *g *h *i *j *k *l *m *n *o *p *q\"\nx-a: &k info\nlog-level: *k\n"
        let found = ConfigFixture.messages(fine)
        #expect(found.count == 1 && found.first?.contains("unknown key x-a") == true, "\(found)")
    }

    @Test func deepNestingIsRefusedNotOverflowingTheStack() {
        // libyaml stops at 1,000 levels, before Yams's recursive composing could overflow.
        for text in [String(repeating: "- ", count: 100_000) + "x\n", String(repeating: "[", count: 100_000) + "\n"] {
            let messages = ConfigFixture.messages(text)
            #expect(messages.count == 1 && messages.first?.contains("not valid YAML: Maximum nesting level reached") == true, "\(messages)")
        }
    }

    @Test func keysThatDoNotApplyAreRefused() {
        #expect(ConfigFixture.messages(ConfigFixture.minimal + "idle-ms: 5\n").first?.contains("idle-ms applies only with mode: on-demand") == true)
        #expect(ConfigFixture.messages(ConfigFixture.minimal + "cpu-weight: 5\n").first?.contains("cpu-weight applies only with metric: weighted") == true)
        #expect(ConfigFixture.messages(ConfigFixture.minimal + "load: cpu=1 memory=1\nload-file: /x\n").first?.contains("load and load-file are both given") == true)
        #expect(ConfigFixture.messages(ConfigFixture.minimal + "join: true\n").first?.contains("join needs the running members as peers") == true)
        #expect(ConfigFixture.messages(ConfigFixture.minimal + "join: false\n").isEmpty)
        // A flag that changes the mode leaves the file's idle-ms alone.
        var overrides = NodeConfigOverrides()
        overrides.mode = "stable"
        #expect(ConfigFixture.messages(ConfigFixture.minimal + "mode: on-demand\nidle-ms: 5\n", overrides: overrides).isEmpty)
    }

    @Test func badYAMLAndDuplicateKeysNameTheLine() {
        let broken = ConfigFixture.messages(ConfigFixture.minimal + "peers: [\n")
        #expect(broken.count == 1 && broken.first?.hasPrefix("node.yaml:") == true && broken.first?.contains("not valid YAML") == true, "\(broken)")
        let twice = ConfigFixture.messages(ConfigFixture.minimal + "tick-ms: 5\ntick-ms: 6\n")
        #expect(twice.first?.contains("tick-ms is given twice") == true, "\(twice)")
    }

    @Test func aFileOverOneMiBIsRefused() throws {
        let dir = try ConfigFixture.directory()
        let path = try ConfigFixture.write(ConfigFixture.minimal + "# " + String(repeating: "x", count: 1 << 20) + "\n", to: dir + "/big.yaml")
        #expect(throws: ConfigProblems([.fileTooLarge(path: path, bytes: (1 << 20) + ConfigFixture.minimal.utf8.count + 3, limit: 1 << 20)])) {
            try NodeConfigLoader.load(file: path)
        }
        let missing = dir + "/none.yaml"
        #expect(throws: ConfigProblems([.unreadableFile(path: missing, reason: "No such file or directory")])) { try NodeConfigLoader.load(file: missing) }
        let small = try ConfigFixture.write(ConfigFixture.minimal, to: dir + "/node.yaml")
        #expect(try NodeConfigLoader.load(file: small).nodeID == 1)
        let binary = dir + "/binary.yaml"
        try Data([0x6E, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: binary))
        #expect(throws: ConfigProblems([.notUTF8(path: binary)])) { try NodeConfigLoader.load(file: binary) }
    }

    @Test func flagsOverrideTheFile() throws {
        let file = ConfigFixture.minimal + """
            tick-ms: 30
            mode: on-demand
            peers:
              - id: 2
                address: 127.0.0.1:7002

            """
        var overrides = NodeConfigOverrides()
        overrides.nodeID = 3
        overrides.tickMillis = 40
        overrides.mode = "stable"
        overrides.peers = ["4=127.0.0.1:7004", "5=[::1]:7005,\(String(repeating: "ab", count: 32))"]
        overrides.gatewayTokenFile = "/token"
        overrides.insecure = false
        overrides.privateKey = "/key"
        overrides.canLead = false
        let config = try ConfigFixture.load(file, overrides: overrides)
        #expect(config.nodeID == 3)
        #expect(config.clusterID == 7)
        #expect(config.tickMillis == 40)
        #expect(config.mode == .stable)
        #expect(config.peers == [
            NodeConfig.Peer(id: 4, address: "127.0.0.1:7004", publicKeyHex: nil),
            NodeConfig.Peer(id: 5, address: "[::1]:7005", publicKeyHex: String(repeating: "ab", count: 32)),
        ])
        var gateway = NodeConfig.Gateway(tokenFile: "/token")
        gateway.commandRequired = true  // the default engine, process, runs the request's command
        #expect(config.gateway == gateway)
        #expect(!config.insecure)
        #expect(config.privateKeyFile == "/key")
        #expect(!config.canLead)
    }

    @Test func flagsAreCheckedLikeTheFile() {
        var overrides = NodeConfigOverrides()
        overrides.tickMillis = 0
        overrides.link = "moon"
        overrides.peers = ["2:127.0.0.1:1", "x=127.0.0.1:2"]
        let messages = ConfigFixture.messages(ConfigFixture.minimal, overrides: overrides)
        #expect(messages.contains { $0 == "flag --tick-ms: tick-ms is 0, outside 1…10000 ms; change it to a value in that range" }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("flag --link: link \"moon\" is not known") })
        #expect(messages.contains { $0.hasPrefix("flag --peer: \"2:127.0.0.1:1\" is not ID=HOST:PORT[,PUBLIC-KEY]") })
        #expect(messages.contains { $0.hasPrefix("flag --peer: peers[0].id must be a whole number") })
        // Flags alone are a configuration too.
        var all = NodeConfigOverrides()
        all.nodeID = 1
        all.clusterID = 2
        all.listen = "127.0.0.1:1"
        all.dataDirectory = "/d"
        all.insecure = true
        #expect(throws: Never.self) { try NodeConfigLoader.load(file: nil, overrides: all) }
        #expect(throws: ConfigProblems.self) { try NodeConfigLoader.load(file: nil, overrides: NodeConfigOverrides()) }
    }

    @Test func theTickDefaultsToTheLinkProfile() throws {
        let expected: [String: UInt64] = ["loopback": 10, "lan": 10, "pi-wifi": 20, "lossy-wifi": 50, "cellular": 100, "narrowband": 250]
        #expect(Set(expected.keys) == Set(LinkProfile.all.map(\.name)))
        for (link, tick) in expected {
            let config = try ConfigFixture.load(ConfigFixture.minimal + "link: \(link)\n")
            #expect(config.tickMillis == tick, "\(link)")
            #expect(config.electionTicks == 10)
            #expect(config.heartbeatTicks == 1)
            // A given tick wins over the profile's.
            #expect(try ConfigFixture.load(ConfigFixture.minimal + "link: \(link)\ntick-ms: 7\n").tickMillis == 7)
        }
        #expect(try ConfigFixture.load(ConfigFixture.minimal).tickMillis == 10)
        var overrides = NodeConfigOverrides()
        overrides.link = "narrowband"
        #expect(try ConfigFixture.load(ConfigFixture.minimal, overrides: overrides).tickMillis == 250)
    }

    @Test func modeAndMetricDefaults() throws {
        #expect(try ConfigFixture.load(ConfigFixture.minimal + "mode: on-demand\n").mode == .onDemand(idleMillis: 2_000))
        #expect(try ConfigFixture.load(ConfigFixture.minimal + "metric: weighted\n").metric == .weighted(cpuWeightPermille: 500))
        #expect(try ConfigFixture.load(ConfigFixture.minimal + "metric: memory\n").metric == .memory)
    }
}
